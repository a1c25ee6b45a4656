import Foundation
import KuraTestSupport
import Testing

/// `kura status` through the real binary on a real repository, its metrics read by
/// prometheus-client's parser and its page rendered by headless Chromium.
@Suite struct StatusCommandTests {
    static let day1 = "2026-01-01T00:00:00Z"

    /// etc@1 at 00:00, home@1 at 03:00, etc@2 at 06:00 on 2026-01-01.
    static func populated() throws -> RepositoryScratch {
        let repo = try RepositoryScratch()
        try repo.scratch.write("data/etc/hosts", "127.0.0.1 localhost\n")
        try repo.scratch.write("data/home/notes.txt", "notes\n")
        for (subject, time) in [("etc", "2026-01-01T00:00:00Z"), ("home", "2026-01-01T03:00:00Z"), ("etc", "2026-01-01T06:00:00Z")] {
            let backup = try repo.kura(arguments: ["backup", "--subject", subject, repo.path("data/\(subject)")],
                                       environment: ["KURA_TEST_NOW": time])
            #expect(backup.status == 0, "\(backup.stderr)")
        }
        return repo
    }

    static let later = ["KURA_TEST_NOW": "2026-01-02T00:00:00Z"]

    @Test func tableAndJSONWithoutAPolicy() throws {
        let repo = try Self.populated()
        let table = try repo.kura(arguments: ["status"], environment: Self.later)
        #expect(table.status == 0, "no targets, no breach: \(table.stderr)")
        #expect(table.output.contains("etc@2 2026-01-01 06:00"), "\(table.output)")
        #expect(table.output.contains("home@1 2026-01-01 03:00"))
        #expect(table.output.contains("no-target"))
        #expect(table.output.contains("2 subject(s), none in breach"))

        let json = try repo.kura(arguments: ["status", "--json"], environment: Self.later)
        #expect(json.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        #expect(document["in_breach"] as? Bool == false)
        #expect(document["policy"] is NSNull)
        let subjects = try #require(document["subjects"] as? [[String: Any]])
        #expect(subjects.compactMap { $0["name"] as? String } == ["etc", "home"])
        #expect(subjects.compactMap { $0["generations"] as? Int } == [2, 1])
        let etc = try #require((subjects[0]["repositories"] as? [[String: Any]])?.first)
        let newest = try #require(etc["newest"] as? [String: Any])
        #expect(newest["number"] as? Int == 2)
        #expect((newest["age_seconds"] as? NSNumber)?.intValue == 64_800)
        #expect(etc["rpo_state"] as? String == "no-target")

        let one = try repo.kura(arguments: ["status", "home", "--json"], environment: Self.later)
        let only = try #require(try JSONSerialization.jsonObject(with: one.stdout) as? [String: Any])
        #expect((only["subjects"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["home"])
    }

    @Test func prometheusMetricsParseWithTheReferenceParser() throws {
        let repo = try Self.populated()
        try FileManager.default.createDirectory(atPath: repo.path("textfile"), withIntermediateDirectories: true)
        let target = repo.path("textfile/kura.prom")
        try repo.scratch.write("textfile/kura.prom", "stale\n")
        let result = try repo.kura(arguments: ["status", "--quiet", "--prometheus", target], environment: Self.later)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.output.isEmpty, "--quiet prints nothing")
        #expect(try FileManager.default.contentsOfDirectory(atPath: repo.path("textfile")) == ["kura.prom"], "no temporary file left")

        let parse = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            families = {}
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                families[family.name] = {"type": family.type, "help": family.documentation,
                                         "samples": [[s.name, s.labels, s.value] for s in family.samples]}
            print(json.dumps(families))
            """
        let parsed = try repo.scratch.run(Tools.python, ["-c", parse, target])
        #expect(parsed.status == 0, "prometheus-client parses the file: \(parsed.stderr)")
        let families = try #require(try JSONSerialization.jsonObject(with: parsed.stdout) as? [String: [String: Any]])
        #expect(families.values.allSatisfy { $0["type"] as? String == "gauge" && !(($0["help"] as? String) ?? "").isEmpty })
        func samples(_ name: String) -> [(labels: [String: String], value: Double)] {
            ((families[name]?["samples"] as? [[Any]]) ?? []).compactMap { sample in
                guard sample.count == 3, let labels = sample[1] as? [String: String], let value = sample[2] as? Double else { return nil }
                return (labels, value)
            }
        }
        let location = repo.path("repo")
        let timestamps = samples("kura_subject_last_generation_timestamp_seconds")
        #expect(timestamps.first { $0.labels == ["subject": "etc", "repository": location] }?.value == 1_767_247_200)
        #expect(timestamps.first { $0.labels == ["subject": "home", "repository": location] }?.value == 1_767_236_400)
        #expect(samples("kura_subject_generations").first { $0.labels["subject"] == "etc" }?.value == 2)
        #expect(samples("kura_subject_rpo_status").contains { $0.labels["state"] == "no-target" && $0.value == 1 })
        #expect(samples("kura_repository_up").first?.value == 1)
        #expect(samples("kura_status_in_breach").first?.value == 0)
        #expect(samples("kura_status_timestamp_seconds").first?.value == 1_767_312_000)
    }

    @Test func htmlPageRendersInChromium() throws {
        let repo = try Self.populated()
        let page = repo.path("status.html")
        let result = try repo.kura(arguments: ["status", "--html", page], environment: Self.later)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.output.contains("etc@2"), "the table is still printed")
        let rendered = try RenderedPage.render(page)
        #expect(rendered.elements["subject"]?.compactMap { $0.attributes["data-subject"] } == ["etc", "home"])
        #expect(rendered.count("generation-mark") == 3)
        #expect(rendered.elements["generation-mark"]?.compactMap { $0.attributes["data-generation"] }.sorted()
                == ["etc@1", "etc@2", "home@1"])
        #expect(rendered.count("no-drills") == 2)
        #expect(rendered.screenshot.nonBackgroundFraction > 0.02, "the page is not blank")
    }

    @Test func badInputGivesOneLineAndTheRightCode() throws {
        let repo = try Self.populated()
        let unknown = try repo.kura("status", "nosuch")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("kura: no subject named nosuch"))
        #expect(unknown.stderr.split(separator: "\n").count == 1)

        let missing = try repo.kura("status", "--repo", repo.path("nothing-here"))
        #expect(missing.status == 10, "\(missing.stderr)")

        let wrongPassword = try repo.kura(arguments: ["status"], environment: ["KURA_PASSWORD_FILE": try repo.scratch.write("wrong", "nope\n")])
        #expect(wrongPassword.status == 12)

        let noFolder = try repo.kura("status", "--prometheus", repo.path("no/such/folder/kura.prom"))
        #expect(noFolder.status == 1)
        #expect(noFolder.stderr.hasPrefix("kura: cannot write"), "\(noFolder.stderr)")
        #expect(noFolder.stderr.split(separator: "\n").count == 1)

        #expect(try repo.kura("status", "--json", "--quiet").status == 2)
        #expect(try repo.kura("status", "--html", "").status == 2)
        for result in [unknown, missing, wrongPassword, noFolder] {
            #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"))
        }
    }
}

/// A drill that breached its own RTO is the same verdict in `status`, its JSON and the HTML
/// page; a restore of a fraction of the RTO still draws a visible bar.
@Suite struct StatusDrillVerdictTests {
    @Test func breachedDrillIsOverRTOEverywhereAndTinyBarsShow() throws {
        let repo = try RepositoryScratch()
        let data = repo.path("many")
        for directory in 0..<50 {
            try FileManager.default.createDirectory(atPath: "\(data)/d\(directory)", withIntermediateDirectories: true)
            for file in 0..<200 {
                _ = FileManager.default.createFile(atPath: "\(data)/d\(directory)/f\(file)", contents: Data(repeating: UInt8(file), count: 1024 + file))
            }
        }
        try repo.scratch.write("small/a", "a\n")
        #expect(try repo.kura("backup", "--subject", "many", data).status == 0)
        #expect(try repo.kura("backup", "--subject", "small", repo.path("small")).status == 0)
        let scratch = repo.path("scratch")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let drill = try repo.kura("drill", "many", "--sample", "1%", "--rto", "1s", "--scratch", scratch)
        try #require(drill.status == 3, "the drill must breach a 1s RTO here: \(drill.output)")
        #expect(drill.output.contains("FAILED: RTO breached"))
        #expect(try repo.kura("drill", "small", "--rto", "1h", "--scratch", scratch).status == 0)

        let table = try repo.kura("status")
        #expect(table.status != 0 && table.output.contains("over RTO"), "\(table.output)")
        #expect(table.output.contains("over the RTO of 1s") && !table.output.contains("take 1s,"),
                "a 1.2 s estimate must not read as 1s over an RTO of 1s: \(table.output)")
        let json = try JSONSerialization.jsonObject(with: try repo.kura("status", "--json").stdout) as? [String: Any]
        let subjects = try #require(json?["subjects"] as? [[String: Any]])
        let many = try #require(subjects.first { $0["name"] as? String == "many" })
        #expect((many["last_drill"] as? [String: Any])?["result"] as? String == "over-rto")

        let page = repo.path("status.html")
        #expect(try repo.kura("status", "--html", page).status != 0)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let bars = html.components(separatedBy: "data-result=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(bars.sorted() == ["over-rto", "passed"], "\(bars)")
        let heights = html.components(separatedBy: "class=\"drill-mark\"").dropFirst().compactMap { mark -> Double? in
            guard let range = mark.range(of: "height=\"") else { return nil }
            return Double(mark[range.upperBound...].prefix { $0 != "\"" })
        }
        #expect(heights.count == 2 && heights.allSatisfy { $0 >= 6 }, "bars must be visible: \(heights)")
    }
}
