// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for VirtStorage's parsers. Built only by Scripts/fuzz.sh,
// with -sanitize=fuzzer,address into its own scratch path, so that normal
// builds of the main package are unaffected. Each target is one
// LLVMFuzzerTestOneInput; libFuzzer supplies main().
let package = Package(
    name: "VirtStorageFuzz",
    dependencies: [
        // No native backends: the parsers need libxml2 only.
        .package(name: "VirtStorage", path: "..", traits: [])
    ],
    targets: [
        .target(name: "CFuzzer"),
        .executableTarget(
            name: "FuzzPoolXML", dependencies: ["CFuzzer", .product(name: "VirtStorage", package: "VirtStorage")]),
        .executableTarget(
            name: "FuzzVolumeXML", dependencies: ["CFuzzer", .product(name: "VirtStorage", package: "VirtStorage")]),
        .executableTarget(
            name: "FuzzImageHeader", dependencies: ["CFuzzer", .product(name: "VirtStorage", package: "VirtStorage")]),
    ]
)
