import Foundation
import KuraOperations
import Testing

@Suite struct PrometheusMetricsTests {
    typealias F = StatusFixtures

    static func report() -> StatusReport {
        let policy = F.policy([F.subject("db", priority: 1, rpo: "1h", rto: "4h", repositories: ["main", "offsite"], drillEvery: "7d")])
        return StatusReport.evaluate(policy: policy, records: [
            F.records("main", [F.generation("db", 4, ago: 600)], [F.drill("db", generation: 4, ago: 60, estimate: 600)]),
            RepositoryRecords(name: "offsite", location: "s3://backups/kura", contents: .unreadable("connection refused")),
            F.records("main", [F.generation("odd \"name\"\\x", 1, ago: 60)]),
        ], now: F.now)
    }

    @Test func everyFamilyHasHelpAndTypeBeforeItsSamples() {
        let lines = PrometheusMetrics(Self.report()).text.split(separator: "\n").map(String.init)
        var declared: Set<String> = []
        for (index, line) in lines.enumerated() where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            #expect(name.range(of: "^kura_[a-z_]+$", options: .regularExpression) != nil, "\(line)")
            if !declared.contains(name) {
                #expect(lines[..<index].contains("# TYPE \(name) gauge"), "\(name) is typed before its samples")
                #expect(lines[..<index].contains { $0.hasPrefix("# HELP \(name) ") })
                declared.insert(name)
            }
        }
        #expect(declared.contains("kura_subject_rpo_seconds"))
        #expect(declared.contains("kura_subject_last_generation_timestamp_seconds"))
        #expect(declared.contains("kura_subject_last_drill_estimated_restore_seconds"))
    }

    @Test func valuesAndLabels() {
        let text = PrometheusMetrics(Self.report()).text
        #expect(text.contains("kura_subject_rpo_seconds{subject=\"db\"} 3600\n"))
        #expect(text.contains("kura_subject_last_generation_timestamp_seconds{repository=\"main\",subject=\"db\"} \(1_800_000_000 - 600)\n"))
        #expect(text.contains("kura_subject_rpo_status{repository=\"main\",state=\"ok\",subject=\"db\"} 1\n"))
        #expect(text.contains("kura_subject_rpo_status{repository=\"main\",state=\"breached\",subject=\"db\"} 0\n"))
        #expect(text.contains("kura_subject_rpo_status{repository=\"offsite\",state=\"breached\",subject=\"db\"} 1\n"))
        #expect(text.contains("kura_repository_up{location=\"s3://backups/kura\",repository=\"offsite\"} 0\n"))
        #expect(text.contains("kura_subject_last_drill_success{repository=\"main\",subject=\"db\"} 1\n"))
        #expect(text.contains("kura_status_in_breach 1\n"))
        #expect(text.contains("subject=\"odd \\\"name\\\"\\\\x\""), "quotes and backslashes escaped")
    }

    /// prometheus-client (installed by Scripts/test.sh) parses every family, and label values
    /// with quotes and backslashes come back as they were.
    @Test func theReferenceParserReadsItBack() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kura-metrics-\(UUID().uuidString).prom")
        defer { try? FileManager.default.removeItem(at: file) }
        let text = PrometheusMetrics(Self.report()).text
        try text.write(to: file, atomically: true, encoding: .utf8)
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            print(json.dumps({f.name: [[s.labels, s.value] for s in f.samples] for f in text_string_to_metric_families(open(sys.argv[1]).read())}))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["KURA_TEST_PYTHON"] ?? "/usr/bin/python3")
        process.arguments = ["-c", script, file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "prometheus-client must parse the file (Scripts/test.sh installs it)")
        let families = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [[Any]]])
        let declared = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        #expect(Set(families.keys) == declared)
        let subjects = Set((families["kura_subject_generations"] ?? []).compactMap { ($0.first as? [String: String])?["subject"] })
        #expect(subjects.contains("odd \"name\"\\x"))
        let drill = (families["kura_subject_last_drill_estimated_restore_seconds"] ?? []).first
        #expect(drill?.last as? Double == 600)
    }
}
