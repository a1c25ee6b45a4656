import Foundation

/// What headless Chromium shows of an HTML page, through Scripts/render-html.py: the
/// rendered DOM's elements by class and how much of a screenshot is not background. Fails
/// (does not skip) when Chromium is missing: Scripts/test.sh installs it.
struct RenderedPage {
    struct Element: Decodable {
        let tag: String
        let id: String?
        let attributes: [String: String]

        init(from decoder: any Decoder) throws {
            let all = try decoder.singleValueContainer().decode([String: String].self)
            tag = all["tag"] ?? ""
            id = all["id"]
            attributes = all
        }
    }

    struct Screenshot: Decodable {
        let width: Int
        let height: Int
        let non_background_fraction: Double
        let colours: Int
    }

    let elements: [String: [Element]]
    let screenshot: Screenshot

    func count(_ className: String) -> Int { elements[className]?.count ?? 0 }

    struct RenderFailure: Error, CustomStringConvertible {
        let description: String
    }

    static func render(_ path: String) throws -> RenderedPage {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scripts/render-html.py").path
        let python = ProcessInfo.processInfo.environment["KURA_TEST_PYTHON"] ?? "/usr/bin/python3"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RenderFailure(description: String(decoding: message, as: UTF8.self))
        }
        struct Document: Decodable {
            let elements: [String: [Element]]
            let screenshot: Screenshot
        }
        let document = try JSONDecoder().decode(Document.self, from: data)
        return RenderedPage(elements: document.elements, screenshot: document.screenshot)
    }
}
