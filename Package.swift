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
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
// The linker takes the layout files by absolute path (it runs in the build directory).
let packageDirectory = String(#filePath.dropLast("/Package.swift".count))

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
    ],
    targets: [
        // MARK: - C libraries

        // No pkgConfig for the libraries qfposd links: their headers and libraries are on the default
        // paths, and pkg-config's `-L/usr/lib/<arch>` would come before qfposd's static-library
        // directory (see qfposd's linker settings).
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CUdev", providers: [.apt(["libudev-dev"])]),
        .systemLibrary(name: "CQRencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CXKBCommon", providers: [.apt(["libxkbcommon-dev"])]),
        .systemLibrary(name: "CUmockdev", pkgConfig: "umockdev-1.0", providers: [.apt(["libumockdev-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CLinuxShims"),

        // MARK: - Libraries

        .target(name: "WallClock", swiftSettings: swiftSettings),
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
                .product(name: "GRDB", package: "GRDB.swift"),
            ] + nioHTTP,
            swiftSettings: swiftSettings
        ),
        .target(name: "ControlProtocol", dependencies: [logging] + nio, swiftSettings: swiftSettings),
        .target(
            name: "QFPOSDaemon",
            dependencies: [
                "QFPay", "ESCPOS", "Devices", "Payments", "ControlProtocol", "WallClock", "CLinuxShims", "LatencyTrace",
                logging, .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
            ] + nio,
            swiftSettings: swiftSettings
        ),

        // MARK: - Executables

        .executableTarget(
            name: "qfposd", dependencies: ["QFPOSDaemon", "LatencyTrace", argumentParser] + nio,
            swiftSettings: swiftSettings,
            // The Swift runtime and Foundation linked in: only what qfposd uses is loaded, and no
            // symbol tables of shared libraries are read (half the daemon's idle memory). The
            // modules are compiled against the shared Foundation, whose link entries do not name
            // the libraries the static one needs: they are named here (lld takes them in any order).
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-static-stdlib", "-use-ld=lld", "-lCoreFoundation", "-l_FoundationCShims",
                        "-l_FoundationCollections", "-l_FoundationICU", "-lFoundationEssentials",
                        "-lFoundationInternationalization", "-lswiftDispatch", "-ldispatch", "-lBlocksRuntime",
                        "-lswiftSynchronization",
                        // libcrypto, SQLite and libstdc++ linked in too when `make` has put their
                        // archives in .build/static-libs (first on the search path): only the
                        // digests, SQLite and the C++ runtime parts qfposd calls are loaded, and
                        // no shared library's symbol tables and relocations are read. Without the
                        // directory the shared libraries are linked.
                        "-L\(packageDirectory)/.build/static-libs", "-Xclang-linker", "-static-libgcc",
                        // Relative relocations packed (DT_RELR, glibc 2.36): the loader reads
                        // 50 KB of them instead of 2.7 MB.
                        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                        "-Xlinker", "--no-export-dynamic", "-Xlinker", "--gc-sections",
                        // Code layout (layout/README.md): the functions a running daemon executes
                        // first, together, so that its resident code is those pages and few others.
                        "-Xlinker", "--symbol-ordering-file=\(packageDirectory)/layout/qfposd.order",
                        "-Xlinker", "--no-warn-symbol-ordering",
                        "-Xlinker", "-T", "-Xlinker", "\(packageDirectory)/layout/qfposd-text.ld",
                    ], .when(platforms: [.linux]))
            ]
        ),
        .executableTarget(
            name: "qfposctl",
            dependencies: ["QFPay", "ESCPOS", "Devices", "Payments", "ControlProtocol", "QFPOSDaemon", argumentParser],
            swiftSettings: swiftSettings
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
            name: "ControlProtocolTests", dependencies: ["ControlProtocol", "TestSupport"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["QFPOSDaemon", "Payments", "QFPaySandbox", "TestSupport", "ControlProtocol"],
            swiftSettings: swiftSettings
        ),
    ]
)
