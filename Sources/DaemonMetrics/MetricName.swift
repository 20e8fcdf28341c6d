/// The names qfposd exports, by Prometheus' conventions: a `qfpos_` prefix, the unit in the name,
/// `_total` on counters, and labels of a few values each (never a sale id, code or amount).
/// docs/monitoring.md describes each one.
public enum MetricName {
    public static let sales = "qfpos_sales_total"
    public static let salesOutcomeUnknown = "qfpos_sales_outcome_unknown_total"
    public static let salesRecovered = "qfpos_sales_recovered_total"
    public static let salesNeedingAttention = "qfpos_sales_needing_attention"
    public static let gatewayRequests = "qfpos_qfpay_requests_total"
    public static let gatewayRequestDuration = "qfpos_qfpay_request_duration_seconds"
    public static let gatewayUnknownOutcomes = "qfpos_qfpay_unknown_outcomes_total"
    public static let gatewayReachable = "qfpos_qfpay_reachable"
    public static let gatewayLastAnswer = "qfpos_qfpay_last_answer_timestamp_seconds"
    public static let budgetRemaining = "qfpos_qfpay_budget_remaining_requests"
    public static let journalCommitDuration = "qfpos_journal_commit_duration_seconds"
    public static let journalBytes = "qfpos_journal_size_bytes"
    public static let scans = "qfpos_scans_total"
    public static let printerOnline = "qfpos_printer_online"
    public static let printerStatus = "qfpos_printer_status"
    public static let printerQueuedJobs = "qfpos_printer_queued_jobs"
    public static let deviceEvents = "qfpos_device_hotplug_events_total"
    public static let controlConnections = "qfpos_control_connections"
    public static let buildInfo = "qfpos_build_info"
}
