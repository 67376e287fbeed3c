// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "b24",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "b24", targets: ["b24"]),
        .library(name: "TerminalKit", targets: ["TerminalKit"]),
        .library(name: "NcursesTerminal", targets: ["NcursesTerminal"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
    ],
    targets: [
        /// Wire-level value types shared by client and sandbox: JSON value, PHP-bracket form coding.
        .target(
            name: "B24Wire",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        /// Packs, method catalogs, chains, vocabulary and method specs (bundled data).
        .target(
            name: "B24Catalog",
            dependencies: ["B24Wire"],
            resources: [.copy("Resources/catalog.json"), .copy("Resources/method-specs.json")],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        /// The shared client + auth store used by the console and the headless CLI.
        .target(
            name: "B24Client",
            dependencies: [
                "B24Wire", "B24Catalog",
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // RFC 4180 quoting for `b24 export --format csv`.
                .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        /// A faithful Bitrix24 portal on loopback. Never imports B24Client.
        .target(
            name: "B24Sandbox",
            dependencies: [
                "B24Wire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        /// The console app: state, actions, reducer, views and the runtime loop (no ncurses, no URLs).
        .target(
            name: "B24Console",
            dependencies: ["TerminalKit", "B24Client", "B24Catalog", "B24Sandbox", "B24Wire"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "b24",
            dependencies: [
                "B24Client", "B24Catalog", "B24Sandbox", "B24Wire", "B24Console", "NcursesTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)],
            // A release b24 is linked at a fixed address: as a position-independent executable the loader had
            // 130 000 relocations to apply at every start, 2-3 ms of each `b24 call` (Benchmarks/call-vs-curl.py).
            // It also keeps its 42 000 symbols to itself (the static Swift runtime asks to export them all), which
            // spares the loader's symbol lookups another ~0.8 ms. (GNU ld/gold spellings, hence Linux only.)
            linkerSettings: [
                .unsafeFlags(["-Xlinker", "-no-pie", "-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux], configuration: .release)),
            ]
        ),
        /// Generic TUI toolkit: cells, styles, screen buffer + diff, width table, widgets, keys, themes.
        .target(
            name: "TerminalKit",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        /// The system ncursesw library (wide-character API) seen through a small shim header.
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        /// The only module that talks to ncurses: a `TerminalBackend` for real terminals.
        .target(
            name: "NcursesTerminal",
            dependencies: ["TerminalKit", "CNcursesw"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(name: "TerminalKitTests", dependencies: ["TerminalKit"], exclude: ["Golden"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "NcursesTerminalTests", dependencies: ["NcursesTerminal", "TerminalKit"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "B24WireTests", dependencies: ["B24Wire"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "B24CatalogTests", dependencies: ["B24Catalog"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "B24SandboxTests", dependencies: ["B24Sandbox", "B24Wire"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(
            name: "B24ClientTests",
            dependencies: ["B24Client", "B24Sandbox", "B24Wire", "B24Catalog", .product(name: "Hummingbird", package: "hummingbird"),
                           // Migration tests build a database of an older schema step.
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        /// Console rendering benchmark (Benchmarks/console-render.sh runs it in release).
        .executableTarget(
            name: "console-bench",
            dependencies: ["B24Console", "TerminalKit", "B24Catalog"],
            path: "Benchmarks/console-bench",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        /// History benchmark: 20 000 calls against 200 (Benchmarks/history-list.sh runs it in release).
        .executableTarget(
            name: "history-bench",
            dependencies: ["B24Console", "B24Client", "B24Wire", "TerminalKit"],
            path: "Benchmarks/history-bench",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        /// Inspector benchmark for a 20 MB answer (Benchmarks/inspector-large.sh runs it in release).
        .executableTarget(
            name: "inspector-bench",
            dependencies: ["B24Console", "TerminalKit", "B24Client", "B24Wire"],
            path: "Benchmarks/inspector-bench",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        /// Events benchmark: receiver ingest, a million events through the events screen, worker throughput
        /// (Benchmarks/events.sh runs it in release).
        .executableTarget(
            name: "events-bench",
            dependencies: ["B24Console", "B24Client", "B24Sandbox", "B24Wire", "TerminalKit",
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            path: "Benchmarks/events-bench",
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "B24ConsoleTests",
            dependencies: ["B24Console", "TerminalKit", "B24Client", "B24Catalog", "B24Sandbox", "B24Wire", "TestSupport"],
            exclude: ["Golden"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(name: "ConsoleE2ETests", dependencies: ["TestSupport"], swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(name: "CLITests", dependencies: ["B24Sandbox", "B24Wire", "TestSupport"], swiftSettings: [.swiftLanguageMode(.v5)]),
        /// What several test targets share: where the built `b24` is.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: [.swiftLanguageMode(.v5)]),
    ]
)
