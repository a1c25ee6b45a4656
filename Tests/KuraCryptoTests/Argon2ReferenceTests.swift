import Foundation
import KuraCrypto
import Testing

/// Argon2id through libsodium agrees with the reference implementation (PyPI's argon2-cffi,
/// which binds phc-winner-argon2) on random inputs at parallelism 1.
struct Argon2ReferenceTests {
    static var python: String {
        ProcessInfo.processInfo.environment["KURA_TEST_PYTHON"] ?? "/usr/bin/python3"
    }

    @Test func agreesWithArgon2Cffi() throws {
        var cases: [(password: [UInt8], salt: [UInt8], parameters: Argon2idParameters, length: Int)] = []
        for memory: UInt32 in [8, 64, 1024, 19_456, 65_536] {
            for iterations: UInt32 in [1, 2, 3] {
                cases.append((SecureRandom.bytes(Int.random(in: 1...40)), SecureRandom.bytes(16),
                              Argon2idParameters(iterations: iterations, memoryKiB: memory), Int.random(in: 16...64)))
            }
        }
        let script = """
            import sys, argon2.low_level as a
            for line in sys.stdin:
                pw, salt, t, m, n = line.split()
                out = a.hash_secret_raw(bytes.fromhex(pw), bytes.fromhex(salt), time_cost=int(t),
                                        memory_cost=int(m), parallelism=1, hash_len=int(n), type=a.Type.ID)
                print(out.hex())
            """
        let input = cases.map {
            "\($0.password.hex) \($0.salt.hex) \($0.parameters.iterations) \($0.parameters.memoryKiB) \($0.length)"
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = ["-c", script]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data((input.joined(separator: "\n") + "\n").utf8))
        try stdin.fileHandleForWriting.close()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "argon2-cffi is missing: run Scripts/test.sh")
        let expected = output.split(separator: "\n").map(String.init)
        try #require(expected.count == cases.count)
        for (index, testCase) in cases.enumerated() {
            let ours = try Argon2id.deriveKey(password: testCase.password, salt: testCase.salt,
                                              parameters: testCase.parameters, length: testCase.length)
            #expect(ours.copyBytes().hex == expected[index], "case \(index): \(testCase.parameters)")
        }
    }
}
