import Foundation

/// Escaping and the shared style of Kura's self-contained HTML pages (no scripts, no fonts
/// or images from the network: everything is inline).
enum HTML {
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A complete page around `body`.
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
        <title>\(escape(title))</title>
        <style>\(style)</style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    static let style = """
        body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #1d232a; background: #fff; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em; }
        h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
        table { border-collapse: collapse; margin: 0.6em 0; } th, td { text-align: left; padding: 0.25em 0.7em; border-bottom: 1px solid #e5e8eb; }
        th { background: #f3f5f7; } td.number { text-align: right; font-variant-numeric: tabular-nums; }
        code, pre { font-family: ui-monospace, monospace; background: #f3f5f7; border-radius: 3px; }
        code { padding: 0.05em 0.3em; } pre { padding: 0.7em 1em; overflow-x: auto; }
        .state { display: inline-block; padding: 0.1em 0.6em; border-radius: 1em; font-weight: 600; font-size: 0.9em; }
        .state-ok { background: #d8f3dc; color: #1b5e20; } .state-due { background: #fff3c4; color: #7a5b00; }
        .state-breached { background: #ffd7d5; color: #a0111f; } .state-no-target { background: #e5e8eb; color: #444; }
        .muted { color: #5c6670; } ul.problems li.breach { color: #a0111f; } ul.problems li.warning { color: #7a5b00; }
        svg { display: block; margin: 0.4em 0 0.8em; max-width: 100%; height: auto; }
        svg text { font-family: system-ui, sans-serif; font-size: 11px; fill: #444; }
        """
}
