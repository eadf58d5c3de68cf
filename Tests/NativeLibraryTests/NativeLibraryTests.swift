import Foundation
import Testing
import VirtStorageXML

#if Ceph
    import VirtStorageRBD
#endif
#if Gluster
    import VirtStorageGluster
#endif
#if Parted
    import VirtStorageDisk
#endif
#if DeviceMapper
    import VirtStorageMultipath
#endif
#if ISCSI
    import VirtStorageISCSIDirect
#endif

/// One real call into each native library, so a broken shim or link shows at once.
@Suite("native library shims")
struct NativeLibraryTests {
    @Test func libxml2() {
        #expect(Int(LibXML2.version).map { $0 >= 20900 } == true, "libxml2 \(LibXML2.version)")
    }

    #if Ceph
        @Test func libradosAndLibrbd() throws {
            #expect(try RBDLibrary.radosVersion.split(separator: ".").count == 3)
            #expect(try RBDLibrary.radosVersion != "0.0.0")
            #expect(try RBDLibrary.rbdVersion != "0.0.0")
        }
    #endif

    #if Gluster
        @Test func libgfapi() throws {
            #expect(try GlusterLibrary.canCreateHandle(volume: "smoke"))
        }
    #endif

    #if Parted
        @Test func libparted() throws {
            let version = try PartedLibrary.version
            #expect(version.first?.isNumber == true, "parted \(version)")
        }
    #endif

    #if DeviceMapper
        @Test func libdevmapper() throws {
            let version = try DeviceMapperLibrary.version
            #expect(version.hasPrefix("1."), "devmapper \(version)")
        }
    #endif

    #if ISCSI
        @Test func libiscsi() throws {
            #expect(ISCSILibrary.apiVersion >= 20_150_621)
            #expect(try ISCSILibrary.canCreateContext(initiator: "iqn.2026-11.org.virtstorage:smoke"))
        }
    #endif
}
