// swift-tools-version: 6.2
import PackageDescription

// MARK: - Shared settings

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

// MARK: - Dependencies

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
]
let nioHTTP: [Target.Dependency] = nio + [.product(name: "NIOHTTP1", package: "swift-nio")]
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
// The shipped programs' link: relative relocations packed (DT_RELR, glibc 2.36; the loader reads
// 50 KB of them instead of 2.7 MB), no exported symbol table, and full RELRO (`-z now`: every
// symbol bound at start, then the GOT read-only). The Swift runtime and Foundation are linked in
// by `--static-swift-stdlib` (Makefile `release`): Debian has no Swift runtime to depend on.
// libcrypto, SQLite and the other C libraries stay Debian's shared ones, so that their security
// updates reach the daemon.
let shippedLinkerFlags = [
    "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic",
    "-Xlinker", "-z", "-Xlinker", "now",
]
var qfposdLinkerFlags = shippedLinkerFlags
// `make release-small` (QFPOS_RELEASE_SMALL=1, and -function-sections): the code-layout order file
// and linker script of layout/README.md, which put the functions a running daemon executes together.
if Context.environment["QFPOS_RELEASE_SMALL"] == "1" {
    // The linker takes the layout files by absolute path (it runs in the build directory).
    let packageDirectory = String(#filePath.dropLast("/Package.swift".count))
    qfposdLinkerFlags += [
        "-Xlinker", "--gc-sections",
        "-Xlinker", "--symbol-ordering-file=\(packageDirectory)/layout/qfposd.order",
        "-Xlinker", "--no-warn-symbol-ordering",
        "-Xlinker", "-T", "-Xlinker", "\(packageDirectory)/layout/qfposd-text.ld",
    ]
}

let package = Package(
    name: "qfpos",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "qfposd", targets: ["qfposd"]),
        .executable(name: "qfposctl", targets: ["qfposctl"]),
        .executable(name: "qfpay-sandbox", targets: ["qfpay-sandbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: - C libraries

        // No pkgConfig for Debian's libraries: their headers and libraries are on the default paths.
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CUdev", providers: [.apt(["libudev-dev"])]),
        .systemLibrary(name: "CQRencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CXKBCommon", providers: [.apt(["libxkbcommon-dev"])]),
        .systemLibrary(name: "CUmockdev", pkgConfig: "umockdev-1.0", providers: [.apt(["libumockdev-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CLinuxShims"),

        // MARK: - Libraries

        .target(name: "WallClock", swiftSettings: swiftSettings),
        .target(name: "BuildVersion", swiftSettings: swiftSettings, plugins: ["GitVersion"]),
        .target(name: "Deflate", dependencies: ["CZlib"], swiftSettings: swiftSettings),
        .target(name: "Iconv", swiftSettings: swiftSettings),
        .target(name: "LatencyTrace", swiftSettings: swiftSettings),
        .target(
            name: "QFPay",
            dependencies: [
                "COpenSSL", "WallClock", "LatencyTrace", logging, .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ] + nioHTTP,
            swiftSettings: swiftSettings
        ),
        .target(
            name: "QFPaySandbox", dependencies: ["QFPay", "Deflate", "Iconv", logging] + nioHTTP,
            swiftSettings: swiftSettings),
        .target(name: "QRCode", dependencies: ["CQRencode"], swiftSettings: swiftSettings),
        .target(
            name: "ESCPOS",
            dependencies: ["QRCode", "WallClock", "CLinuxShims", logging],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Devices",
            dependencies: ["CUdev", "CXKBCommon", "CLinuxShims", "QFPay", "ESCPOS", logging],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Payments",
            dependencies: [
                "QFPay", "ESCPOS", "WallClock", "Deflate", "Iconv", "LatencyTrace", logging,
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ] + nioHTTP,
            swiftSettings: swiftSettings
        ),
        .target(name: "ControlProtocol", dependencies: [logging] + nio, swiftSettings: swiftSettings),
        .target(
            name: "DaemonMetrics",
            dependencies: ["QFPay", metrics, .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "StatusPage", dependencies: ["QFPay", "WallClock", logging] + nioHTTP, swiftSettings: swiftSettings),
        .target(
            name: "QFPOSDaemon",
            dependencies: [
                "QFPay", "ESCPOS", "Devices", "Payments", "ControlProtocol", "WallClock", "CLinuxShims",
                "BuildVersion", "QRCode", "DaemonMetrics", "StatusPage", "Deflate", "LatencyTrace", logging,
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
            ] + nio,
            swiftSettings: swiftSettings
        ),

        // MARK: - Executables

        .executableTarget(
            name: "qfposd", dependencies: ["QFPOSDaemon", "BuildVersion", "LatencyTrace", argumentParser] + nio,
            swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags(qfposdLinkerFlags, .when(platforms: [.linux]))]
        ),
        .executableTarget(
            name: "qfposctl",
            dependencies: [
                "QFPay", "ESCPOS", "Devices", "Payments", "ControlProtocol", "QFPOSDaemon", "BuildVersion",
                argumentParser,
            ],
            swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags(shippedLinkerFlags, .when(platforms: [.linux]))]
        ),
        .executableTarget(
            name: "qfpay-sandbox",
            dependencies: ["QFPaySandbox", argumentParser],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "qfpos-bench",
            dependencies: [
                "QFPay", "QFPaySandbox", "ESCPOS", "Devices", "Payments", "ControlProtocol", "QFPOSDaemon",
                "LatencyTrace", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Plugins

        .plugin(name: "GitVersion", capability: .buildTool()),

        // MARK: - Tests

        .target(
            name: "TestSupport",
            dependencies: ["QFPay", "QFPaySandbox", "Devices", "CLinuxShims", "CUmockdev", logging],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "WallClockTests", dependencies: ["WallClock"], swiftSettings: swiftSettings),
        .testTarget(
            name: "QFPayTests",
            dependencies: ["QFPay", "QFPaySandbox", "TestSupport", .product(name: "NIOSSL", package: "swift-nio-ssl")]
                + nioHTTP,
            swiftSettings: swiftSettings),
        .testTarget(
            name: "QFPaySandboxTests",
            dependencies: ["QFPaySandbox", "QFPay", "Deflate", "TestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ESCPOSTests", dependencies: ["ESCPOS", "QRCode", "TestSupport"], exclude: ["Golden"],
            swiftSettings: swiftSettings),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PaymentsTests",
            dependencies: ["Payments", "QFPay", "QFPaySandbox", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ControlProtocolTests", dependencies: ["ControlProtocol", "QFPaySandbox", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StatusPageTests", dependencies: ["StatusPage"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DaemonMetricsTests", dependencies: ["DaemonMetrics", "QFPay"], swiftSettings: swiftSettings),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["QFPOSDaemon", "Payments", "QFPaySandbox", "TestSupport", "ControlProtocol"],
            swiftSettings: swiftSettings
        ),
    ]
)

// MARK: - Fuzzing (`make fuzz`, docs/reliability.md)

// With QFPOS_FUZZ=1 the package is the fuzzing build: one libFuzzer executable per parser of
// outside input (Fuzz/<name>), and the project's modules compiled with libFuzzer's coverage and
// AddressSanitizer. The dependencies keep their normal build, so that a build directory that holds
// them already (CI's .build) compiles only qfpos's modules again. The daemon's executables, the
// sandbox and the tests are left out: no target needs them, and executables would not link
// without the sanitizers' runtimes.
if Context.environment["QFPOS_FUZZ"] == "1" {
    let sanitizers: [String] = ["-sanitize=fuzzer,address"]
    for target in package.targets where target.type == .regular && target.name != "TestSupport" {
        // -enable-testing: the targets reach internal parsers (`@testable`) in release builds too.
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(sanitizers + ["-enable-testing"])]
    }
    package.targets.removeAll {
        $0.type == .executable || $0.type == .test || ["TestSupport", "QFPaySandbox"].contains($0.name)
    }
    package.products = []
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("control", ["ControlProtocol", .product(name: "NIOEmbedded", package: "swift-nio")] + nio),
        ("serial-frame", ["Devices"]),
        ("keyboard-wedge", ["Devices"]),
        ("hid-pos", ["Devices"]),
        ("printer-status", ["Devices"]),
        ("qfpay-response", ["QFPay"]),
        ("notification", ["QFPay"]),
        ("yaml-config", ["QFPOSDaemon", .product(name: "Configuration", package: "swift-configuration")]),
        ("trade-bill", ["Payments"]),
        ("escpos-preview", ["ESCPOS"]),
    ]
    // Each target's main.swift hands its LLVMFuzzerTestOneInput to libFuzzer's driver (Fuzz/support).
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/support", swiftSettings: swiftSettings))
    for fuzzTarget in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: "fuzz-\(fuzzTarget.name)", dependencies: ["FuzzSupport"] + fuzzTarget.dependencies,
                path: "Fuzz/\(fuzzTarget.name)",
                swiftSettings: swiftSettings + [.unsafeFlags(sanitizers)],
                linkerSettings: [.unsafeFlags(sanitizers)]))
    }
}
