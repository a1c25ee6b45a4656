import Foundation

/// The status report as Prometheus text exposition (format 0.0.4), for node_exporter's
/// textfile collector. Every metric has HELP and TYPE lines; labels are `subject` and
/// `repository`. docs/STATUS.md lists the metrics and example alerts.
public struct PrometheusMetrics {
    private var families: [(name: String, help: String, samples: [String])] = []

    public init(_ report: StatusReport) {
        add("kura_status_timestamp_seconds", "When kura status made this report (Unix time).") { add in
            add([:], report.time.timeIntervalSince1970)
        }
        add("kura_status_in_breach", "1 when any subject is in breach of its RPO or RTO.") { add in
            add([:], report.inBreach ? 1 : 0)
        }
        add("kura_repository_up", "1 when the repository could be opened and its records read, else 0.") { add in
            for repository in report.repositories {
                add(["repository": repository.name, "location": repository.location], repository.unreadable == nil ? 1 : 0)
            }
        }
        add("kura_repository_generations", "Generations in the repository.") { add in
            for repository in report.repositories where repository.unreadable == nil {
                add(["repository": repository.name], Double(repository.generationCount))
            }
        }
        add("kura_repository_damaged_records", "Generation or drill records that fail authentication or signature checks.") { add in
            for repository in report.repositories where repository.unreadable == nil {
                add(["repository": repository.name], Double(repository.damagedRecords.count))
            }
        }
        add("kura_subject_priority", "Restore priority from the policy (1 is restored first).") { add in
            for subject in report.subjects { if let priority = subject.priority { add(["subject": subject.name], Double(priority)) } }
        }
        add("kura_subject_rpo_seconds", "The subject's recovery point objective.") { add in
            for subject in report.subjects { if let rpo = subject.rpo { add(["subject": subject.name], rpo) } }
        }
        add("kura_subject_rto_seconds", "The subject's recovery time objective.") { add in
            for subject in report.subjects { if let rto = subject.rto { add(["subject": subject.name], rto) } }
        }
        add("kura_subject_breached", "1 when the subject is in breach (RPO, drill failed or over the RTO, repository unreadable).") { add in
            for subject in report.subjects { add(["subject": subject.name], subject.state == .breached ? 1 : 0) }
        }
        add("kura_subject_generations", "Generations of the subject in the repository.") { add in
            for subject in report.subjects {
                for copy in subject.copies where copy.unreadable == nil {
                    add(["subject": subject.name, "repository": copy.repository], Double(copy.generationCount))
                }
            }
        }
        add("kura_subject_last_generation_timestamp_seconds", "Time of the subject's newest generation in the repository (Unix time).") { add in
            for subject in report.subjects {
                for copy in subject.copies { if let newest = copy.newest {
                    add(["subject": subject.name, "repository": copy.repository], newest.time.timeIntervalSince1970)
                } }
            }
        }
        add("kura_subject_last_generation_age_seconds", "Age of the newest generation when the report was made.") { add in
            for subject in report.subjects {
                for copy in subject.copies { if let newest = copy.newest {
                    add(["subject": subject.name, "repository": copy.repository], newest.age)
                } }
            }
        }
        add("kura_subject_last_generation_number", "Number of the subject's newest generation in the repository.") { add in
            for subject in report.subjects {
                for copy in subject.copies { if let newest = copy.newest {
                    add(["subject": subject.name, "repository": copy.repository], Double(newest.number))
                } }
            }
        }
        add("kura_subject_rpo_status", "The copy's RPO state: 1 for the current state, 0 for the others.") { add in
            for subject in report.subjects {
                for copy in subject.copies {
                    for state in TargetState.allCases {
                        add(["subject": subject.name, "repository": copy.repository, "state": state.rawValue],
                            copy.rpoState == state ? 1 : 0)
                    }
                }
            }
        }
        add("kura_subject_drill_overdue", "1 when the policy asks for drills and none ran within the interval.") { add in
            for subject in report.subjects where subject.drillPolicy != nil {
                add(["subject": subject.name], subject.drillOverdue ? 1 : 0)
            }
        }
        func eachLastDrill(_ add: ([String: String], Double) -> Void, _ value: (DrillSummary) -> Double) {
            for subject in report.subjects {
                for copy in subject.copies { if let drill = copy.lastDrill {
                    add(["subject": subject.name, "repository": copy.repository], value(drill))
                } }
            }
        }
        add("kura_subject_last_drill_timestamp_seconds", "When the subject's last drill in the repository began (Unix time).") {
            eachLastDrill($0) { $0.time.timeIntervalSince1970 }
        }
        add("kura_subject_last_drill_duration_seconds", "Measured time of the last drill's sampled restore and verification.") {
            eachLastDrill($0) { $0.seconds }
        }
        add("kura_subject_last_drill_estimated_restore_seconds", "Full restore time extrapolated from the last drill.") {
            eachLastDrill($0) { $0.estimatedFullSeconds }
        }
        add("kura_subject_last_drill_sample_ratio", "Fraction of the generation's bytes the last drill restored.") {
            eachLastDrill($0) { $0.sample }
        }
        add("kura_subject_last_drill_mismatches", "Files that did not match in the last drill.") {
            eachLastDrill($0) { Double($0.mismatches) }
        }
        add("kura_subject_last_drill_success", "1 when the last drill matched every byte within the RTO, else 0.") {
            eachLastDrill($0) { $0.result == .passed ? 1 : 0 }
        }
    }

    private mutating func add(_ name: String, _ help: String,
                              _ body: (_ add: ([String: String], Double) -> Void) -> Void) {
        var samples: [String] = []
        body { labels, value in
            let rendered = labels.keys.sorted().map { "\($0)=\"\(Self.escape(labels[$0] ?? ""))\"" }.joined(separator: ",")
            samples.append(name + (rendered.isEmpty ? "" : "{\(rendered)}") + " " + Self.format(value))
        }
        families.append((name, help, samples))
    }

    /// The exposition text, ending in a newline.
    public var text: String {
        var lines: [String] = []
        for family in families {
            lines.append("# HELP \(family.name) \(family.help)")
            lines.append("# TYPE \(family.name) gauge")
            lines.append(contentsOf: family.samples)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Label values escape backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.3f", value)
    }
}
