import Foundation
import KuraTestSupport
import Testing

/// `kura runbook` against a real repository: the commands it prints are run as printed.
@Suite struct RunbookCommandTests {
    @Test func commandsInTheRunbookRestoreTheSubject() throws {
        let repo = try StatusCommandTests.populated()
        let root = repo.path("restores")
        let result = try repo.kura(arguments: ["runbook", "--restore-root", root], environment: StatusCommandTests.later)
        #expect(result.status == 0, "\(result.stderr)")
        let text = result.output
        let etc = try #require(text.range(of: "## 1. etc"))
        let home = try #require(text.range(of: "## 2. home"))
        #expect(etc.lowerBound < home.lowerBound)
        #expect(text.contains("`\(repo.path("repo"))`"), "names where the data is")
        #expect(text.contains("admin (admin)"), "names the keys that can restore")
        #expect(text.contains("unknown: no drill has been recorded"))
        #expect(text.contains("There is no other copy"))
        #expect(text.contains("its password is in the file `\(repo.path("password"))`"))
        #expect(!text.contains("test password"), "never the secret itself")

        let etcSection = text[etc.upperBound..<home.lowerBound]
        let commands = etcSection.split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("kura ") || $0.hasPrefix("mkdir ") }
        #expect(commands.count == 4, "generations, check, mkdir, restore: \(commands)")
        let kuraFolder = (Tools.kura as NSString).deletingLastPathComponent
        for command in commands {
            // Run as printed, in a clean environment: everything it needs is on the line.
            let run = try repo.scratch.run("/usr/bin/env", ["-i", "PATH=\(kuraFolder):/usr/bin:/bin", "HOME=\(repo.path(""))",
                                                           "/bin/sh", "-c", command])
            #expect(run.status == 0, "\(command): \(run.stderr)")
        }
        let original = try TreeSnapshot.take(repo.path("data/etc"))
        let restored = try TreeSnapshot.take(root + "/etc" + repo.path("data/etc"))
        #expect(original == restored, "\(TreeSnapshot.differences(original, restored))")
    }

    @Test func htmlToAFileAndOneSubject() throws {
        let repo = try StatusCommandTests.populated()
        let output = repo.path("runbook.html")
        let result = try repo.kura(arguments: ["runbook", "home", "--format", "html", "--output", output],
                                   environment: StatusCommandTests.later)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.output.isEmpty)
        let html = String(decoding: try Data(contentsOf: URL(fileURLWithPath: output)), as: UTF8.self)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<h2 id=\"subject-home\">1. home</h2>"))
        #expect(html.contains("kura restore home@latest --target /srv/restore/home --verify --repo \(repo.path("repo"))"))
        #expect(!html.contains("etc@latest"))
        let rendered = try RenderedPage.render(output)
        #expect(rendered.count("commands") == 1, "one block of commands for home's one repository")
        #expect(rendered.screenshot.nonBackgroundFraction > 0.01, "the page is not blank")
    }

    @Test func badInput() throws {
        let repo = try StatusCommandTests.populated()
        let unknown = try repo.kura("runbook", "nosuch")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("kura: no subject named nosuch"))
        #expect(try repo.kura("runbook", "--format", "pdf").status == 2)
        let missing = try repo.kura("runbook", "--repo", repo.path("nothing-here"))
        #expect(missing.status == 10)
        #expect(missing.stderr.split(separator: "\n").count == 1)
    }
}
