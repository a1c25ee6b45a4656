import Foundation

/// A runbook as a few kinds of block, so Markdown and HTML carry the same content.
/// Text may hold `code` spans in backticks.
public struct RunbookDocument: Sendable {
    public enum Block: Sendable {
        case heading(level: Int, text: String, anchor: String?)
        case paragraph(String)
        case list([String])
        case steps([String])
        /// Shell commands, one per line.
        case commands([String])
        case table(header: [String], rows: [[String]])
    }

    public var title: String
    public var blocks: [Block]

    public init(title: String, blocks: [Block] = []) {
        self.title = title
        self.blocks = blocks
    }

    public func markdown() -> String {
        var out = "# \(title)\n"
        for block in blocks {
            out += "\n"
            switch block {
            case .heading(let level, let text, _):
                out += String(repeating: "#", count: level) + " " + text + "\n"
            case .paragraph(let text):
                out += text + "\n"
            case .list(let items):
                out += items.map { "- " + $0 }.joined(separator: "\n") + "\n"
            case .steps(let items):
                out += items.enumerated().map { "\($0.offset + 1). " + $0.element }.joined(separator: "\n") + "\n"
            case .commands(let lines):
                out += "```sh\n" + lines.joined(separator: "\n") + "\n```\n"
            case .table(let header, let rows):
                func row(_ cells: [String]) -> String {
                    "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
                }
                out += row(header) + "\n" + row(header.map { _ in "---" }) + "\n"
                out += rows.map(row).joined(separator: "\n") + "\n"
            }
        }
        return out
    }

    public func html() -> String {
        var body = "<h1>\(HTML.escape(title))</h1>\n"
        for block in blocks {
            switch block {
            case .heading(let level, let text, let anchor):
                let tag = "h\(min(6, level))"
                body += "<\(tag)\(anchor.map { " id=\"\(HTML.escape($0))\"" } ?? "")>\(inline(text))</\(tag)>\n"
            case .paragraph(let text):
                body += "<p>\(inline(text))</p>\n"
            case .list(let items):
                body += "<ul>\n" + items.map { "<li>\(inline($0))</li>\n" }.joined() + "</ul>\n"
            case .steps(let items):
                body += "<ol>\n" + items.map { "<li>\(inline($0))</li>\n" }.joined() + "</ol>\n"
            case .commands(let lines):
                body += "<pre class=\"commands\"><code>" + HTML.escape(lines.joined(separator: "\n")) + "</code></pre>\n"
            case .table(let header, let rows):
                body += "<table>\n<tr>" + header.map { "<th>\(inline($0))</th>" }.joined() + "</tr>\n"
                body += rows.map { "<tr>" + $0.map { "<td>\(inline($0))</td>" }.joined() + "</tr>\n" }.joined()
                body += "</table>\n"
            }
        }
        return HTML.page(title: title, body: body)
    }

    /// Escapes `text` and turns `spans` into code elements.
    private func inline(_ text: String) -> String {
        let parts = text.split(separator: "`", omittingEmptySubsequences: false)
        guard parts.count % 2 == 1 else { return HTML.escape(text) }
        return parts.enumerated().map { index, part in
            index % 2 == 1 ? "<code>\(HTML.escape(String(part)))</code>" : HTML.escape(String(part))
        }.joined()
    }
}
