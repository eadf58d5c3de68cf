#if Ceph && Gluster && Parted && DeviceMapper && ISCSI && Btrfs
    import Foundation
    import Testing
    import VirtStorage
    import VirtStorageBtrfs
    import VirtStorageDisk
    import VirtStorageGluster
    import VirtStorageISCSIDirect
    import VirtStorageMultipath
    import VirtStorageRBD

    /// README, CHANGELOG, the DocC catalog and the code say the same thing
    /// about the version and about which pool types have a backend.
    @Suite("the documents agree with the code")
    struct DocumentsAgreeTests {
        static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()

        static func read(_ relative: String) throws -> String {
            try String(contentsOf: package.appendingPathComponent(relative), encoding: .utf8)
        }

        @Test func oneVersion() throws {
            let version = VirtStorageVersion.string
            let changelog = try Self.read("CHANGELOG.md")
            let firstRelease = changelog.split(separator: "\n").first { $0.hasPrefix("## ") }
            #expect(firstRelease?.hasPrefix("## \(version) ") == true, "CHANGELOG starts with \(firstRelease ?? "")")
            #expect(try Self.read("README.md").contains("State of this release (\(version)"))
        }

        @Test func everyPoolTypeHasABackend() throws {
            var registry = BackendRegistry.builtIn
            let native: [[any StorageBackend]] = [
                RBDBackends.all, GlusterBackends.all, DiskBackends.all, MultipathBackends.all, ISCSIDirectBackends.all,
                BtrfsBackends.all,
            ]
            for backend in native.joined() { registry.register(backend) }
            #expect(registry.registeredTypes == PoolType.allCases)
            #expect(PoolType.libvirtTypes.count == 14)
            #expect(PoolType.allCases.filter { PoolTypeRules.of($0).origin == .virtStorage } == [.btrfs])
            #expect(try Self.read("README.md").contains("All fourteen pool types have a backend"))
            let catalog = try Self.read("Sources/VirtStorage/VirtStorage.docc/PoolTypes/PoolTypes.md")
            for type in PoolType.allCases {
                #expect(catalog.contains("| \(type.rawValue) | implemented"), "PoolTypes.md on \(type.rawValue)")
            }
            #expect(!catalog.contains("XML only"))
        }

        /// Nothing of the project reads a directory beside the clone.
        @Test func nothingOutsideTheClone() throws {
            let files = try FileManager.default.subpathsOfDirectory(atPath: Self.package.path).filter {
                !$0.hasPrefix(".build") && !$0.hasPrefix(".git/") && !$0.contains("/.build")
                    && ($0.hasSuffix(".swift") || $0.hasSuffix(".sh") || $0.hasSuffix(".md") || $0.hasPrefix(".ci/"))
            }
            #expect(files.count > 100)
            for file in files where file != "Tests/NativeLibraryTests/DocumentsAgreeTests.swift" {
                let text = try Self.read(file)
                #expect(!text.contains("../" + "shared"), "\(file)")
                #expect(!text.contains("/work/" + "shared"), "\(file)")
            }
        }
    }
#endif
