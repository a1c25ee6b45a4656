// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Kura",
    products: [
        .executable(name: "kura", targets: ["kura"]),
        .library(name: "KuraCrypto", targets: ["KuraCrypto"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages; module maps only.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium",
                       providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        // Linux headers Glibc's module leaves out (extended attributes).
        .systemLibrary(name: "CLinux"),
        // Tests only: the age test kit stores some vectors zlib-compressed.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        .target(name: "KuraCrypto", dependencies: ["CSodium", "COpenSSL"]),
        .target(name: "KuraStorage", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "KuraRepository", dependencies: ["KuraCrypto", "KuraStorage", "CZstd"]),
        .target(name: "KuraEngine", dependencies: ["KuraRepository", "KuraCrypto", "CLinux"]),
        .target(name: "KuraOperations", dependencies: [
            "KuraEngine", "KuraRepository", "KuraCrypto",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .target(name: "KuraCLI", dependencies: [
            "KuraCrypto", "KuraStorage", "KuraRepository", "KuraEngine", "KuraOperations",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // glibc allocator settings, applied before main() (see its source for why).
        .target(name: "CMallocTuning"),
        .executableTarget(name: "kura", dependencies: ["KuraCLI", "CMallocTuning"]),

        .testTarget(name: "KuraCryptoTests", dependencies: ["KuraCrypto", "CZlib"]),
        // Test helpers shared by test targets (real SeaweedFS and sshd servers, in-memory storage).
        .target(name: "KuraTestSupport", dependencies: ["KuraStorage"], path: "Tests/KuraTestSupport"),
        .testTarget(name: "KuraStorageTests", dependencies: ["KuraStorage", "KuraCrypto", "KuraTestSupport"]),
        .testTarget(name: "KuraRepositoryTests", dependencies: ["KuraRepository"]),
        .testTarget(name: "KuraEngineTests", dependencies: ["KuraEngine", "KuraTestSupport"]),
        .testTarget(name: "KuraOperationsTests", dependencies: ["KuraOperations", "KuraTestSupport"]),
        .testTarget(name: "KuraCLITests", dependencies: ["KuraCrypto", "CLinux", "kura", "KuraTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
