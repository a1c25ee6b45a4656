import Foundation

/// Which generations retention keeps (restic's keep rules; docs/RETENTION.md).
public struct KeepRules: Sendable, Equatable {
    public var last: Int?
    public var hourly: Int?
    public var daily: Int?
    public var weekly: Int?
    public var monthly: Int?
    public var yearly: Int?
    /// Keep every generation younger than this, before the newest.
    public var within: KeepWithin?
    /// restic's keep-within-hourly/daily/…: the newest generation of each hour, day, week,
    /// month or year younger than the span before the newest. Keyed by a calendar rule (never `last`).
    public var withinBuckets: [BucketRule: KeepWithin]

    public init(last: Int? = nil, hourly: Int? = nil, daily: Int? = nil, weekly: Int? = nil,
                monthly: Int? = nil, yearly: Int? = nil, within: KeepWithin? = nil,
                withinBuckets: [BucketRule: KeepWithin] = [:]) {
        self.last = last
        self.hourly = hourly
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
        self.yearly = yearly
        self.within = within
        self.withinBuckets = withinBuckets.filter { $0.key != .last }
    }

    /// No rule at all: retention keeps everything (forget refuses to run without a rule).
    public var isEmpty: Bool {
        last == nil && hourly == nil && daily == nil && weekly == nil && monthly == nil && yearly == nil && within == nil
            && withinBuckets.isEmpty
    }
}
