import Foundation

/// A TCP relay on 127.0.0.1 in front of a server that cuts the first answer longer than
/// `cutAfter` bytes part way (both connections closed), as a failing network or a restarting
/// server would, and logs every request line and Range header it forwards.
public final class BreakingRelay: @unchecked Sendable {
    public let port: Int
    private let process = Process()
    private let log: String

    public init(to targetPort: Int, cutAfter: Int) throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("kura-relay-\(UUID().uuidString).log").path
        let python = ProcessInfo.processInfo.environment["KURA_TEST_PYTHON"] ?? "/usr/bin/python3"
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.script, String(targetPort), String(cutAfter), log]
        try process.run()
        // The relay listens on a port the kernel picks and names it in LOG.port once listening.
        var chosen: Int?
        for _ in 0..<200 where chosen == nil {
            chosen = (try? String(contentsOfFile: log + ".port", encoding: .utf8)).flatMap { Int($0) }
            if chosen == nil { usleep(50_000) }
        }
        guard let chosen else {
            kill(process.processIdentifier, SIGKILL)
            throw POSIXError(.ECONNREFUSED)
        }
        port = chosen
    }

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The requests forwarded so far: their request lines and Range headers, in order.
    public var requests: [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    deinit {
        // SIGKILL: a test process may hand its children SIGTERM blocked.
        kill(process.processIdentifier, SIGKILL)
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
        try? FileManager.default.removeItem(atPath: log)
        try? FileManager.default.removeItem(atPath: log + ".port")
    }

    private static let script = #"""
import os, socket, sys, threading
target, cut_after, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
state = {"cut": False}
def note(line):
    with lock, open(log, "a") as f: f.write(line + "\n")
def upstream(client, server):
    try:
        while data := client.recv(65536):
            for line in data.split(b"\r\n"):
                if line.startswith((b"GET ", b"PUT ", b"HEAD ")) or line.lower().startswith(b"range:"):
                    note(line.decode("latin-1"))
            server.sendall(data)
    except OSError: pass
def downstream(client, server):
    sent = 0
    try:
        while data := server.recv(65536):
            with lock:
                cut = not state["cut"] and sent + len(data) > cut_after
                if cut: state["cut"] = True
            if cut:
                client.sendall(data[:cut_after - sent])
                break
            client.sendall(data)
            sent += len(data)
    except OSError: pass
    for s in (client, server):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
        s.close()
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
open(log, "a").close()
with open(log + ".port.tmp", "w") as f: f.write(str(listener.getsockname()[1]))
os.rename(log + ".port.tmp", log + ".port")
while True:
    client, _ = listener.accept()
    server = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=upstream, args=(client, server), daemon=True).start()
    threading.Thread(target=downstream, args=(client, server), daemon=True).start()
"""#
}
