/**
 * Reconciling a usage ledger with AWS's bill: what AWS charged per tenant and UTC day, read from Cost Explorer
 * {@code GetCostAndUsage} answers ({@link dev.aip.cli.bill.CostExplorerFiles}) or a CUR 2.0 CSV export
 * ({@link dev.aip.cli.bill.CurFiles}) into an {@link dev.aip.cli.bill.AwsBill}, and compared with the ledger's
 * records by {@link dev.aip.cli.bill.BillReconciliation}. A malformed file is a
 * {@link dev.aip.cli.bill.BillFileException} naming the file and line.
 */
package dev.aip.cli.bill;
