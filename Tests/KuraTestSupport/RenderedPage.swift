import Foundation

/// What headless Chromium shows of an HTML page, through Scripts/render-html.py: the
/// rendered DOM's elements by class (with their id and data- attributes) and how much of a
/// screenshot is not background. Fails (does not skip) when Chromium is missing:
/// Scripts/test.sh installs it.
public struct RenderedPage: Sendable {
    public struct Element: Decodable, Sendable {
        public let tag: String
        /// `id` and the `data-` attributes.
        public let attributes: [String: String]

        public init(from decoder: any Decoder) throws {
            let all = try decoder.singleValueContainer().decode([String: String].self)
            tag = all["tag"] ?? ""
            attributes = all
        }
    }

    public struct Screenshot: Decodable, Sendable {
        public let width: Int
        public let height: Int
        /// The share of pixels that differ from the top-left pixel's colour.
        public let nonBackgroundFraction: Double
        /// Distinct colours among a sample of the pixels.
        public let colours: Int

        enum CodingKeys: String, CodingKey {
            case width, height, colours
            case nonBackgroundFraction = "non_background_fraction"
        }
    }

    public let elements: [String: [Element]]
    public let screenshot: Screenshot

    public func count(_ className: String) -> Int { elements[className]?.count ?? 0 }

    public struct RenderFailure: Error, CustomStringConvertible {
        public let description: String
    }

    static let script: String = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("Scripts/render-html.py").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return "Scripts/render-html.py"
    }()

    /// Renders the page at `path`.
    public static func render(_ path: String) throws -> RenderedPage {
        let python = ProcessInfo.processInfo.environment["KURA_TEST_PYTHON"] ?? "/usr/bin/python3"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, path]
        let output = Pipe()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("kura-render-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RenderFailure(description: (try? String(contentsOf: errors, encoding: .utf8)) ?? "render-html.py failed")
        }
        struct Document: Decodable {
            let elements: [String: [Element]]
            let screenshot: Screenshot
        }
        let document = try JSONDecoder().decode(Document.self, from: data)
        return RenderedPage(elements: document.elements, screenshot: document.screenshot)
    }
}
