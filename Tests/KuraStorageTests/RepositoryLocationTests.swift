import KuraStorage
import Testing

@Suite struct RepositoryLocationTests {
    @Test func pathsAndS3StayWhatTheyWere() throws {
        #expect(try RepositoryLocation(parsing: "/srv/kura") == .local("/srv/kura"))
        #expect(try RepositoryLocation(parsing: "relative/repo") == .local("relative/repo"))
        #expect(try RepositoryLocation(parsing: "./a:b") == .local("./a:b"))
        #expect(try RepositoryLocation(parsing: "~/x:y") == .local("~/x:y"))
        #expect(try RepositoryLocation(parsing: "local:/srv/kura") == .local("/srv/kura"))
        #expect(try RepositoryLocation(parsing: "s3://bucket/prefix") == .s3("s3://bucket/prefix"))
        #expect(try RepositoryLocation(parsing: "s3:https://host/bucket") == .s3("s3:https://host/bucket"))
    }

    @Test func sshAndSFTPForms() throws {
        let forms: [(String, RepositoryLocation)] = [
            ("ssh://backup@host.example:2222/srv/kura", .ssh(SSHAddress(user: "backup", host: "host.example", port: 2222, path: "/srv/kura"))),
            ("ssh://host/srv/kura", .ssh(SSHAddress(user: nil, host: "host", port: nil, path: "/srv/kura"))),
            ("ssh://host/./kura", .ssh(SSHAddress(user: nil, host: "host", port: nil, path: "kura"))),
            ("ssh://u@[::1]:22/r", .ssh(SSHAddress(user: "u", host: "::1", port: 22, path: "/r"))),
            ("sftp:user@host:/srv/kura", .sftp(SSHAddress(user: "user", host: "host", port: nil, path: "/srv/kura"))),
            ("sftp:host:relative/repo", .sftp(SSHAddress(user: nil, host: "host", port: nil, path: "relative/repo"))),
            ("sftp:[fe80::1]:/r", .sftp(SSHAddress(user: nil, host: "fe80::1", port: nil, path: "/r"))),
            ("sftp://user@host:2022/srv/kura", .sftp(SSHAddress(user: "user", host: "host", port: 2022, path: "/srv/kura"))),
        ]
        for (text, expected) in forms {
            #expect(try RepositoryLocation(parsing: text) == expected, "\(text)")
        }
    }

    @Test func foreignSchemesAreRefusedNotTakenForFolders() {
        for text in ["rest:http://host:8000/", "rclone:remote:path", "b2:bucket:path", "azure:c:/", "gs:b:/",
                     "swift:c:/", "backup:2024", "SFTPX:host:/x"] {
            #expect(throws: RepositoryLocationError.self, "\(text)") { try RepositoryLocation(parsing: text) }
        }
    }

    @Test func malformedRemoteForms() {
        for text in ["ssh:host:/x", "ssh://host", "ssh://host/", "ssh://host:99999/x", "ssh://-oProxyCommand=x/y",
                     "sftp:host", "sftp:host:", "sftp://host", "sftp:-oProxyCommand=evil:/x", "sftp:[::1/x", ""] {
            #expect(throws: RepositoryLocationError.self, "\(text)") { try RepositoryLocation(parsing: text) }
        }
    }

    @Test func sshArgumentsKeepTheHostAfterTheOptionsAndQuoteRemoteWords() {
        let address = SSHAddress(user: "u", host: "h", port: 2222, path: "/srv/my repo")
        let ssh = SSHCommand.fromEnvironment(["KURA_SSH": "ssh -F /etc/kura/ssh_config"])
        let words = ssh.arguments(to: address, running: ["kura", "serve", "--stdio", address.path])
        #expect(Array(words.prefix(3)) == ["ssh", "-F", "/etc/kura/ssh_config"])
        #expect(words.contains("BatchMode=yes"))
        #expect(Array(words.suffix(6)) == ["--", "u@h", "kura", "serve", "--stdio", "'/srv/my repo'"])
        #expect(words[words.firstIndex(of: "-p")! + 1] == "2222")
        #expect(Array(ssh.arguments(to: address, subsystem: "sftp").suffix(4)) == ["-s", "--", "u@h", "sftp"])
        #expect(SSHCommand.fromEnvironment([:]).words == ["ssh"])
    }
}
