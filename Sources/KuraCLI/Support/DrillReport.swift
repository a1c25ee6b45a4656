import Foundation
import KuraOperations
import KuraRepository

/// How `kura drill` shows drills: a summary per drill, a table of past drills, or JSON.
enum DrillReport {
    /// 13 when anything was damaged or did not match, 3 when the RTO is breached, else 0.
    static func status(of record: DrillRecord) -> ExitStatus {
        if !record.mismatches.isEmpty { return .damaged }
        return record.breachesRTO ? .problemsFound : .success
    }

    static func print(_ outcome: DrillOutcome, json: Bool) {
        let record = outcome.record
        if json {
            var object = fields(record, id: outcome.id)
            object["type"] = "drill"
            object["entries_checked"] = outcome.entriesChecked
            object["holes_checked"] = outcome.holesChecked
            object["warnings"] = outcome.warnings
            if let kept = outcome.keptScratch { object["scratch"] = kept }
            Output.jsonLine(object)
            return
        }
        for warning in outcome.warnings { Output.error("warning: \(warning)") }
        Output.line("drill \(record.subject)@\(record.generationNumber) (drill \(outcome.id.short)): sample " + percent(record.sample)
                    + ", \(record.files) of \(record.totalFiles ?? record.files) files, seed \(record.seed.map(String.init) ?? "-")")
        Swift.print("  restored in " + duration(record.restoreSeconds ?? record.seconds) + ", verified in "
                    + duration(record.seconds - (record.restoreSeconds ?? 0)) + ": \(outcome.entriesChecked) entries' metadata, "
                    + "\(outcome.filesChecked) files' contents (\(Output.bytes(record.bytes)) of \(Output.bytes(record.totalBytes)))"
                    + (outcome.holesChecked ? "" : "; this file system keeps no holes, so sparseness was not checked"))
        Swift.print("  full restore estimated at \(duration(record.estimatedFullSeconds))"
                    + (record.rtoSeconds.map { "; RTO \(Durations.format($0)) " + (record.breachesRTO ? "BREACHED" : "met") } ?? "; no RTO"))
        for mismatch in record.mismatches { Output.line("  mismatch: \(mismatch)") }
        if let kept = outcome.keptScratch { Output.line("  the restored sample is kept in \(kept)") }
        Swift.print("  result: " + verdict(record))
    }

    static func printList(_ drills: [StoredDrill], json: Bool) {
        if json {
            let objects = drills.map { fields($0.record, id: $0.id) }
            if let data = try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) {
                Swift.print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        Swift.print("ID        Time                  Generation          Sample   Files   Estimate  RTO       Result")
        for drill in drills {
            let record = drill.record
            let time = String(KuraTime.format(record.time).prefix(19)).replacingOccurrences(of: "T", with: " ")
            Output.line(drill.id.short.padding(toLength: 10, withPad: " ", startingAt: 0)
                        + time.padding(toLength: 22, withPad: " ", startingAt: 0)
                        + "\(record.subject)@\(record.generationNumber)".padding(toLength: 20, withPad: " ", startingAt: 0)
                        + percent(record.sample).padding(toLength: 9, withPad: " ", startingAt: 0)
                        + String(record.files).leftPadded(5) + "   "
                        + duration(record.estimatedFullSeconds).padding(toLength: 10, withPad: " ", startingAt: 0)
                        + (record.rtoSeconds.map(Durations.format) ?? "-").padding(toLength: 10, withPad: " ", startingAt: 0)
                        + verdict(record))
        }
        Swift.print("\(drills.count) drill(s)")
    }

    private static func fields(_ record: DrillRecord, id: DrillID) -> [String: Any] {
        [
            "id": id.hex, "subject": record.subject, "generation": "\(record.subject)@\(record.generationNumber)",
            "generation_id": record.generation.hex, "time": KuraTime.format(record.time), "host": record.host,
            "sample": record.sample, "seed": record.seed.map { NSNumber(value: $0) } ?? NSNull(),
            "files": record.files, "total_files": record.totalFiles ?? NSNull(), "bytes": record.bytes,
            "total_bytes": record.totalBytes, "seconds": record.seconds,
            "restore_seconds": record.restoreSeconds ?? NSNull(), "estimated_full_seconds": record.estimatedFullSeconds,
            "rto_seconds": record.rtoSeconds ?? NSNull(), "breaches_rto": record.breachesRTO,
            "mismatches": record.mismatches, "passed": record.passed,
        ]
    }

    private static func verdict(_ record: DrillRecord) -> String {
        if !record.mismatches.isEmpty { return "FAILED: \(record.mismatches.count) damaged or different" }
        return record.breachesRTO ? "FAILED: RTO breached" : "passed"
    }

    private static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return (value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)) + "%"
    }

    /// "0.42 s" under a minute, else "1h30m".
    private static func duration(_ value: Double) -> String {
        value < 60 ? String(format: "%.2f s", value) : Durations.format(value)
    }
}
