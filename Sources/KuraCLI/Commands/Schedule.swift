import ArgumentParser
import Foundation
import KuraOperations

/// `kura schedule`: the cron line or systemd units that call `kura run`.
struct Schedule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the crontab line or the systemd units that call kura run.",
        discussion: """
            Examples:
              kura schedule --cron --config /etc/kura/kura.toml         # then: crontab -e
              kura schedule --systemd --output-dir /etc/systemd/system   # then: systemctl enable --now kura-run.timer
            """
    )

    @OptionGroup var policy: PolicyOptions

    @Flag(help: "Print a line for crontab -e.")
    var cron = false

    @Flag(help: "Print (or, with --output-dir, write) kura-run.service and kura-run.timer.")
    var systemd = false

    @Option(help: "How often kura run starts (whole minutes dividing an hour, or whole hours dividing a day).")
    var every = "5m"

    @Option(help: "With --cron: where the run's log lines go (default /var/log/kura-run.log for root, else ~/.local/state/kura/run.log).")
    var logFile: String?

    @Option(help: "With --systemd: write the two unit files into DIR instead of printing them.")
    var outputDir: String?

    func validate() throws {
        guard cron != systemd else { throw ValidationError("choose one of --cron and --systemd") }
        guard Durations.parse(every) != nil else { throw ValidationError("--every \(every) is not a duration (e.g. 5m, 1h)") }
        if outputDir != nil, !systemd { throw ValidationError("--output-dir goes with --systemd") }
    }

    func run() async throws {
        try await reportingErrors {
            let policyFile = try policy.require().file
            let units = try ScheduleUnits(executable: Self.executable, policyFile: policyFile,
                                          every: Durations.parse(every) ?? 300)
            if cron {
                print("# kura run every \(every) for \(units.policyFile); install with crontab -e")
                print(units.cronLine(logFile: logFile ?? Self.defaultLogFile))
                return
            }
            guard let outputDir else {
                print("# \(ScheduleUnits.serviceName)\n\(units.service)\n# \(ScheduleUnits.timerName)\n\(units.timer)", terminator: "")
                return
            }
            for (name, text) in [(ScheduleUnits.serviceName, units.service), (ScheduleUnits.timerName, units.timer)] {
                let path = (outputDir as NSString).appendingPathComponent(name)
                guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
                    throw CommandFailure(message: "cannot write \(path); check that \(outputDir) exists and is writable", status: .failure)
                }
                print("wrote \(path)")
            }
            print("enable with: systemctl daemon-reload && systemctl enable --now \(ScheduleUnits.timerName)")
        }
    }

    /// This kura binary, so the units call the same one.
    static var executable: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    static var defaultLogFile: String {
        geteuid() == 0 ? "/var/log/kura-run.log" : NSHomeDirectory() + "/.local/state/kura/run.log"
    }
}
