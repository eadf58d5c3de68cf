// swift-tools-version:6.1
import PackageDescription

// Native backends are package traits, all on by default. An embedder that lacks
// a C library turns its trait off (`traits: ["Ceph"]` on its .package line, or
// `swift build --disable-default-traits`); the backend's module then builds
// empty and nothing links the library. libxml2 is always required.
let package = Package(
    name: "VirtStorage",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "VirtStorage", targets: ["VirtStorage"]),
        .library(name: "VirtStorageRBD", targets: ["VirtStorageRBD"]),
        .library(name: "VirtStorageGluster", targets: ["VirtStorageGluster"]),
        .library(name: "VirtStorageDisk", targets: ["VirtStorageDisk"]),
        .library(name: "VirtStorageMultipath", targets: ["VirtStorageMultipath"]),
        .library(name: "VirtStorageISCSIDirect", targets: ["VirtStorageISCSIDirect"]),
        .library(name: "VirtStorageBtrfs", targets: ["VirtStorageBtrfs"]),
        .executable(name: "virt-storage", targets: ["virt-storage"]),
    ],
    traits: [
        .trait(name: "Ceph", description: "rbd pools through librados and librbd"),
        .trait(name: "Gluster", description: "gluster pools through libgfapi"),
        .trait(name: "Parted", description: "disk pools through libparted"),
        .trait(name: "DeviceMapper", description: "mpath pools through libdevmapper"),
        .trait(name: "ISCSI", description: "iscsi-direct pools through libiscsi"),
        .trait(name: "Btrfs", description: "btrfs pools (a VirtStorage extension) through libbtrfsutil"),
        .default(enabledTraits: ["Ceph", "Gluster", "Parted", "DeviceMapper", "ISCSI", "Btrfs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2", path: "Modules/CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CRados", path: "Modules/CRados",
            providers: [.apt(["librbd-dev", "librados-dev"])]),
        .systemLibrary(
            name: "CGlusterFS", path: "Modules/CGlusterFS",
            providers: [.apt(["libglusterfs-dev"])]),
        .systemLibrary(
            name: "CBlkid", path: "Modules/CBlkid", pkgConfig: "blkid", providers: [.apt(["libblkid-dev"])]),
        .systemLibrary(
            name: "CParted", path: "Modules/CParted",
            providers: [.apt(["libparted-dev"])]),
        .systemLibrary(
            name: "CDeviceMapper", path: "Modules/CDeviceMapper",
            providers: [.apt(["libdevmapper-dev"])]),
        .systemLibrary(
            name: "CISCSI", path: "Modules/CISCSI",
            providers: [.apt(["libiscsi-dev"])]),
        .systemLibrary(
            name: "CBtrfsUtil", path: "Modules/CBtrfsUtil",
            providers: [.apt(["libbtrfsutil-dev"])]),

        .target(name: "VirtStorageXML", dependencies: ["CLibXML2"]),
        .target(name: "CStorageSys"),
        // Nonisolated async functions run on the caller's actor: the host calls
        // its backends without a thread hop per call (blocking work has threads of its own).
        .target(
            name: "VirtStorage",
            dependencies: ["VirtStorageXML", "CStorageSys", "CBlkid", .product(name: "Logging", package: "swift-log")],
            swiftSettings: [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]),

        .target(
            name: "VirtStorageRBD",
            dependencies: [
                "VirtStorage", .target(name: "CRados", condition: .when(traits: ["Ceph"])),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "VirtStorageGluster",
            dependencies: [
                "VirtStorage", .target(name: "CGlusterFS", condition: .when(traits: ["Gluster"])),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "VirtStorageDisk",
            dependencies: ["VirtStorage", .target(name: "CParted", condition: .when(traits: ["Parted"]))]),
        .target(
            name: "VirtStorageMultipath",
            dependencies: [
                "VirtStorage", .target(name: "CDeviceMapper", condition: .when(traits: ["DeviceMapper"])),
            ]),
        .target(
            name: "VirtStorageISCSIDirect",
            dependencies: [
                "VirtStorage", .target(name: "CISCSI", condition: .when(traits: ["ISCSI"])),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "VirtStorageBtrfs",
            dependencies: ["VirtStorage", .target(name: "CBtrfsUtil", condition: .when(traits: ["Btrfs"]))]),

        .executableTarget(
            name: "virt-storage",
            dependencies: [
                "VirtStorage", "VirtStorageXML",
                "VirtStorageRBD", "VirtStorageGluster", "VirtStorageDisk",
                "VirtStorageMultipath", "VirtStorageISCSIDirect", "VirtStorageBtrfs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .executableTarget(
            name: "DefineDirPool", dependencies: ["VirtStorage"], path: "Examples/DefineDirPool"),
        .executableTarget(name: "ListPools", dependencies: ["VirtStorage"], path: "Examples/ListPools"),
        .executableTarget(name: "WatchEvents", dependencies: ["VirtStorage"], path: "Examples/WatchEvents"),
        .executableTarget(
            name: "UploadWithProgress", dependencies: ["VirtStorage"], path: "Examples/UploadWithProgress"),
        .executableTarget(
            name: "RBDPool", dependencies: ["VirtStorage", "VirtStorageRBD"], path: "Examples/RBDPool"),
        .executableTarget(
            name: "virt-storage-bench", dependencies: ["VirtStorage", "VirtStorageRBD"],
            path: "Benchmarks/StorageBench"),

        .testTarget(name: "VirtStorageXMLTests", dependencies: ["VirtStorageXML"]),
        .target(name: "VirtStorageTestSupport", dependencies: ["VirtStorage"], path: "Tests/VirtStorageTestSupport"),
        // Recorded/: real tool output read by the tests from the checkout (Scripts/zfs-vm).
        .testTarget(
            name: "VirtStorageTests", dependencies: ["VirtStorage", "VirtStorageTestSupport"], exclude: ["Recorded"]),
        .testTarget(
            name: "NativeLibraryTests",
            dependencies: [
                "VirtStorage", "VirtStorageRBD", "VirtStorageGluster", "VirtStorageDisk",
                "VirtStorageMultipath", "VirtStorageISCSIDirect", "VirtStorageBtrfs", "VirtStorageTestSupport",
            ]),
        .testTarget(name: "CommandLineTests", dependencies: ["VirtStorage", "VirtStorageTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
