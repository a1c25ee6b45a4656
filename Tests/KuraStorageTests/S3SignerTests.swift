import Foundation
import KuraCrypto
@testable import KuraStorage
import Testing

extension S3Hashing {
    static let test = S3Hashing(sha256: { SHA256.hash($0) }, hmacSHA256: { HMACSHA256.authenticate($1, key: $0) })
}

/// Signature Version 4 against AWS's published S3 examples and against botocore.
struct S3SignerTests {
    static let exampleSigner = S3Signer(
        credentials: S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                   secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", source: "example"),
        region: "us-east-1", hashing: .test)
    static let exampleDate = Date(timeIntervalSince1970: 1_369_353_600)   // 2013-05-24T00:00:00Z
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func signature(_ headers: [String: String]) -> String {
        String(headers["authorization"]!.split(separator: "=").last!)
    }

    /// The four examples of "Signature Calculations for the Authorization Header: Transferring
    /// Payload in a Single Chunk (AWS Signature Version 4)" in the Amazon S3 API reference.
    @Test func awsPublishedExamples() {
        let host = "examplebucket.s3.amazonaws.com"
        let getObject = Self.exampleSigner.sign(method: "GET", path: "/test.txt", query: [],
                                                headers: ["host": host, "range": "bytes=0-9"],
                                                payloadHash: Self.emptyHash, date: Self.exampleDate)
        #expect(Self.signature(getObject) == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(getObject["authorization"]!.contains("SignedHeaders=host;range;x-amz-content-sha256;x-amz-date"))

        let body = Array("Welcome to Amazon S3.".utf8)
        let putObject = Self.exampleSigner.sign(
            method: "PUT", path: "/" + S3Signer.uriEncode("test$file.text"), query: [],
            headers: ["host": host, "date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"],
            payloadHash: SHA256.hash(body).map { String(format: "%02x", $0) }.joined(), date: Self.exampleDate)
        #expect(Self.signature(putObject) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")

        let lifecycle = Self.exampleSigner.sign(method: "GET", path: "/", query: [("lifecycle", "")], headers: ["host": host],
                                                payloadHash: Self.emptyHash, date: Self.exampleDate)
        #expect(Self.signature(lifecycle) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")

        let list = Self.exampleSigner.sign(method: "GET", path: "/", query: [("max-keys", "2"), ("prefix", "J")],
                                           headers: ["host": host], payloadHash: Self.emptyHash, date: Self.exampleDate)
        #expect(Self.signature(list) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    /// Random methods, keys (with characters that need encoding), queries, headers, bodies and
    /// session tokens, signed by Kura and by botocore's SigV4Auth: the signatures must agree.
    @Test func agreesWithBotocore() throws {
        let python = ProcessInfo.processInfo.environment["KURA_TEST_PYTHON"] ?? "/usr/bin/python3"
        let alphabet = Array("abcXYZ019-_.~ !$&'()*+,;=:@%/ü")
        func word(_ range: ClosedRange<Int>) -> String { String((0..<Int.random(in: range)).map { _ in alphabet.randomElement()! }) }

        var cases: [[String: Any]] = []
        for index in 0..<60 {
            let method = ["GET", "PUT", "HEAD", "DELETE", "POST"].randomElement()!
            let key = "prefix/\(word(1...12))/obj\(index)"
            let query = (0..<Int.random(in: 0...3)).map { _ in (word(1...6), Bool.random() ? "" : word(0...8)) }
            let body = SecureRandom.bytes(Int.random(in: 0...300))
            let token: String? = Bool.random() ? "token/\(word(5...20))" : nil
            let date = Date(timeIntervalSince1970: Double(Int.random(in: 1_500_000_000...1_900_000_000)))
            var headers = ["host": "127.0.0.1:\(Int.random(in: 1024...65535))"]
            if Bool.random() { headers["range"] = "bytes=\(Int.random(in: 0...99))-\(Int.random(in: 100...999))" }
            if Bool.random() { headers["content-type"] = "application/octet-stream" }
            let signer = S3Signer(credentials: S3Credentials(accessKeyID: "AK\(index)", secretAccessKey: word(20...40),
                                                             sessionToken: token, source: "test"),
                                  region: ["us-east-1", "eu-west-3", "local"].randomElement()!, hashing: .test)
            let payloadHash = SHA256.hash(body).map { String(format: "%02x", $0) }.joined()
            let path = "/bucket/" + key.split(separator: "/", omittingEmptySubsequences: false)
                .map { S3Signer.uriEncode(String($0)) }.joined(separator: "/")
            let signed = signer.sign(method: method, path: path, query: query, headers: headers, payloadHash: payloadHash, date: date)
            cases.append(["method": method, "key": key, "query": query.map { [$0.0, $0.1] }, "headers": headers,
                          "body": body.map { String(format: "%02x", $0) }.joined(), "access": signer.credentials.accessKeyID,
                          "secret": signer.credentials.secretAccessKey, "token": token ?? NSNull(), "region": signer.region,
                          "time": Int(date.timeIntervalSince1970), "ours": signed["authorization"]!])
        }
        let script = """
            import json, sys, datetime, urllib.parse
            from unittest import mock
            from botocore.auth import S3SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            out = []
            for c in json.load(sys.stdin):
                url = "http://" + c["headers"]["host"] + "/bucket/" + urllib.parse.quote(c["key"], safe="/~")
                request = AWSRequest(method=c["method"], url=url, data=bytes.fromhex(c["body"]),
                                     params=[(k, v) for k, v in c["query"]])
                for name, value in c["headers"].items():
                    if name != "host": request.headers[name] = value
                auth = S3SigV4Auth(Credentials(c["access"], c["secret"], c["token"]), "s3", c["region"])
                when = datetime.datetime.fromtimestamp(c["time"], datetime.timezone.utc).replace(tzinfo=None)
                with mock.patch("botocore.auth.get_current_datetime", return_value=when):
                    auth.add_auth(request)
                out.append(request.headers["Authorization"])
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: cases))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "botocore is missing: run Scripts/test.sh")
        let theirs = try #require(try JSONSerialization.jsonObject(with: output) as? [String])
        try #require(theirs.count == cases.count)
        for (index, testCase) in cases.enumerated() {
            let ours = testCase["ours"] as! String
            #expect(ours.split(separator: "=").last == theirs[index].split(separator: "=").last,
                    "case \(index): \(testCase["method"]!) \(testCase["key"]!) \(testCase["query"]!)\nours:   \(ours)\ntheirs: \(theirs[index])")
        }
    }

    @Test func locationsAndCredentials() throws {
        let environment = ["AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_REGION": "eu-west-1"]
        let s3 = try S3Location.parse("s3://backups/hosts/db1", environment: environment)
        #expect(s3.bucket == "backups" && s3.prefix == "hosts/db1" && s3.host == "127.0.0.1" && s3.port == 9000)
        #expect(s3.region == "eu-west-1" && s3.pathStyle)
        #expect(s3.key(for: try ObjectName(.data, "abcdef")) == "hosts/db1/data/ab/abcdef")
        let restic = try S3Location.parse("s3:https://minio.example:9000/bucket", environment: [:])
        #expect(restic.scheme == "https" && restic.host == "minio.example" && restic.bucket == "bucket" && restic.prefix == "")
        let bare = try S3Location.parse("s3:s3.example.com/bucket/deep/prefix/", environment: [:])
        #expect(bare.scheme == "https" && bare.host == "s3.example.com" && bare.prefix == "deep/prefix")
        let aws = try S3Location.parse("s3://my-bucket/x", environment: ["AWS_DEFAULT_REGION": "ap-south-1"])
        #expect(aws.host == "s3.ap-south-1.amazonaws.com" && !aws.pathStyle && aws.hostHeader == "my-bucket.s3.ap-south-1.amazonaws.com")
        #expect(throws: S3Location.ParseError.self) { try S3Location.parse("s3:http://backup.example/b", environment: [:]) }
        _ = try S3Location.parse("s3:http://backup.example/bucket", allowHTTP: true, environment: [:])
        #expect(throws: S3Location.ParseError.self) { try S3Location.parse("s3://B_AD/x", environment: [:]) }

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kura-creds-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n\n[backup]\naws_access_key_id=B\naws_secret_access_key = BS\naws_session_token = T\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let fromProfile = try S3Credentials.resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "backup"])
        #expect(fromProfile.accessKeyID == "B" && fromProfile.secretAccessKey == "BS" && fromProfile.sessionToken == "T")
        #expect(try S3Credentials.resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": file]).accessKeyID == "D")
        let fromEnvironment = try S3Credentials.resolve(environment: ["AWS_ACCESS_KEY_ID": "E", "AWS_SECRET_ACCESS_KEY": "ES",
                                                                      "AWS_SHARED_CREDENTIALS_FILE": file])
        #expect(fromEnvironment.accessKeyID == "E")
        #expect(throws: S3Credentials.LookupError.self) {
            try S3Credentials.resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "nope"])
        }
    }
}
