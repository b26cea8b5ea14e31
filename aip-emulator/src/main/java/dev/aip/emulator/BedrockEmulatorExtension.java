package dev.aip.emulator;

import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs one {@link BedrockEmulator} per test class.
 *
 * <p>Either register it on a static field to configure it and reach the emulator directly:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final BedrockEmulatorExtension BEDROCK = BedrockEmulatorExtension.withDefaults();
 *
 * @Test
 * void converse_reachesEmulator() {
 *     URI endpoint = BEDROCK.emulator().endpoint();
 * }
 * }</pre>
 *
 * <p>or use {@code @ExtendWith(BedrockEmulatorExtension.class)} and take a {@link BedrockEmulator} parameter in a
 * test, lifecycle or constructor method. The emulator starts before the first test of the class and stops after
 * the last. Thread-safe for parallel test methods within the class (the emulator is).
 */
public final class BedrockEmulatorExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private final Consumer<BedrockEmulator.Builder> customizer;
    private volatile BedrockEmulator emulator;

    /** Used by {@code @ExtendWith}: an emulator with the builder's defaults. */
    public BedrockEmulatorExtension() {
        this(b -> { });
    }

    private BedrockEmulatorExtension(Consumer<BedrockEmulator.Builder> customizer) {
        this.customizer = customizer;
    }

    /** An extension whose emulator has the builder's defaults. */
    public static BedrockEmulatorExtension withDefaults() {
        return new BedrockEmulatorExtension();
    }

    /** An extension whose emulator is configured by {@code customizer} before it starts. */
    public static BedrockEmulatorExtension configured(Consumer<BedrockEmulator.Builder> customizer) {
        return new BedrockEmulatorExtension(customizer);
    }

    /**
     * The running emulator.
     *
     * @throws IllegalStateException outside the test class's lifecycle
     */
    public BedrockEmulator emulator() {
        BedrockEmulator e = emulator;
        if (e == null) {
            throw new IllegalStateException("the emulator runs only while the test class runs");
        }
        return e;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        BedrockEmulator.Builder builder = BedrockEmulator.builder();
        customizer.accept(builder);
        emulator = builder.build().start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        BedrockEmulator e = emulator;
        emulator = null;
        if (e != null) {
            e.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == BedrockEmulator.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return emulator();
    }
}
