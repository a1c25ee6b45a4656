import ArgumentParser

/// Entry point used by the `kura` executable.
public enum KuraMain {
    public static func run() async {
        await KuraCommand.main()
    }
}
