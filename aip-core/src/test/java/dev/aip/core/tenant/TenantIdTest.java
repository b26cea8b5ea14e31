package dev.aip.core.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.aip.core.InvalidTenantIdException;
import dev.aip.core.InvalidTenantIdException.Reason;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class TenantIdTest {

    @Test
    void of_whenValid_keepsValueExactly() {
        assertThat(TenantId.of("Acme-prod_1.eu").value()).isEqualTo("Acme-prod_1.eu");
        assertThat(TenantId.of("Acme-prod_1.eu")).hasToString("Acme-prod_1.eu");
    }

    @Test
    void of_withDifferentCase_isAnotherTenant() {
        assertThat(TenantId.of("Acme")).isNotEqualTo(TenantId.of("acme"));
    }

    @Test
    void of_atLengthBounds_acceptsOneAndSixtyFour() {
        assertThat(TenantId.of("a").value()).hasSize(1);
        assertThat(TenantId.of("a".repeat(64)).value()).hasSize(64);
    }

    @Test
    void of_whenSixtyFiveChars_rejectsAsTooLong() {
        InvalidTenantIdException e = rejected("a".repeat(65));
        assertThat(e.reason()).isEqualTo(Reason.TOO_LONG);
        assertThat(e.getMessage()).contains("too long", "65 characters", "at most 64");
    }

    @Test
    void of_whenNull_rejectsAsNull() {
        InvalidTenantIdException e = rejected(null);
        assertThat(e.reason()).isEqualTo(Reason.NULL);
        assertThat(e.getMessage()).startsWith("Tenant id is null");
    }

    @Test
    void of_whenEmpty_rejectsAsEmpty() {
        InvalidTenantIdException e = rejected("");
        assertThat(e.reason()).isEqualTo(Reason.EMPTY);
        assertThat(e.getMessage()).startsWith("Tenant id is empty").contains("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    }

    @Test
    void of_whenOnlyWhitespace_rejectsAsBlank() {
        InvalidTenantIdException e = rejected("   ");
        assertThat(e.reason()).isEqualTo(Reason.BLANK);
        assertThat(e.getMessage()).contains("is blank");
    }

    @Test
    void of_whenControlCharacter_namesItAndItsIndex() {
        InvalidTenantIdException e = rejected("ab\ncd");
        assertThat(e.reason()).isEqualTo(Reason.CONTROL_CHARACTER);
        assertThat(e.index()).isEqualTo(2);
        assertThat(e.getMessage()).contains("control character (U+000A) at index 2").contains("ab\\u000acd")
                .doesNotContain("\n");
    }

    @Test
    void of_whenFirstCharacterIsSeparator_rejectsAsInvalidFirstCharacter() {
        InvalidTenantIdException e = rejected("-acme");
        assertThat(e.reason()).isEqualTo(Reason.INVALID_FIRST_CHARACTER);
        assertThat(e.index()).isZero();
        assertThat(e.getMessage()).contains("starts with '-'");
    }

    @Test
    void of_whenDisallowedCharacter_namesItAndItsIndex() {
        InvalidTenantIdException e = rejected("acme/prod");
        assertThat(e.reason()).isEqualTo(Reason.DISALLOWED_CHARACTER);
        assertThat(e.index()).isEqualTo(4);
        assertThat(e.getMessage()).contains("disallowed character '/' (U+002F) at index 4");
    }

    @Test
    void of_whenNonAscii_rejectsAsDisallowed() {
        InvalidTenantIdException e = rejected("caf\u00e9");
        assertThat(e.reason()).isEqualTo(Reason.DISALLOWED_CHARACTER);
        assertThat(e.index()).isEqualTo(3);
    }

    @Test
    void exception_isNotRetryableAndHasNoTenant() {
        InvalidTenantIdException e = rejected("a b");
        assertThat(e.retryable()).isFalse();
        assertThat(e.tenant()).isEmpty();
    }

    @Property
    void of_anyValidId_roundTrips(@ForAll("validIds") String id) {
        assertThat(TenantId.of(id).value()).isEqualTo(id);
        assertThat(TenantId.of(id)).isEqualTo(TenantId.of(id));
    }

    @Property
    void of_anyIdWithADisallowedCharacter_isRejectedAtThatIndex(
            @ForAll("shortValidIds") String id, @ForAll("disallowedChars") char bad, @ForAll("fractions") double where) {
        int at = (int) (where * (id.length() + 1));
        String candidate = id.substring(0, at) + bad + id.substring(at);

        InvalidTenantIdException e = rejected(candidate);

        assertThat(e.index()).isEqualTo(at);
        Reason expected = Character.isISOControl(bad) ? Reason.CONTROL_CHARACTER
                : at == 0 ? Reason.INVALID_FIRST_CHARACTER : Reason.DISALLOWED_CHARACTER;
        assertThat(e.reason()).isEqualTo(expected);
    }

    @Provide
    Arbitrary<String> validIds() {
        return ids(63);
    }

    @Provide
    Arbitrary<String> shortValidIds() {
        return ids(62);
    }

    private static Arbitrary<String> ids(int maxRest) {
        Arbitrary<Character> first = Arbitraries.chars().range('a', 'z').range('A', 'Z').range('0', '9');
        Arbitrary<String> rest = Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z')
                .withCharRange('0', '9').withChars('.', '_', '-').ofMinLength(0).ofMaxLength(maxRest);
        return Combinators.combine(first, rest).as((f, r) -> f + r);
    }

    @Provide
    Arbitrary<Character> disallowedChars() {
        return Arbitraries.chars().all().filter(c -> !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z')
                && !(c >= '0' && c <= '9') && c != '.' && c != '_' && c != '-');
    }

    @Provide
    Arbitrary<Double> fractions() {
        return Arbitraries.doubles().between(0, 1).filter(d -> d < 1);
    }

    private static InvalidTenantIdException rejected(String value) {
        InvalidTenantIdException e = catchThrowableOfType(InvalidTenantIdException.class, () -> TenantId.of(value));
        assertThat(e).as("rejection of %s", value).isNotNull();
        return e;
    }
}
