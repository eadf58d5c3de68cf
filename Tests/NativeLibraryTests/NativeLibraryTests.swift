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
        @Test func libradosAndLibrbd() {
            #expect(RBDLibrary.radosVersion.split(separator: ".").count == 3)
            #expect(RBDLibrary.radosVersion != "0.0.0")
            #expect(RBDLibrary.rbdVersion != "0.0.0")
        }
    #endif

    #if Gluster
        @Test func libgfapi() {
            #expect(GlusterLibrary.canCreateHandle(volume: "smoke"))
        }
    #endif

    #if Parted
        @Test func libparted() {
            #expect(PartedLibrary.version.first?.isNumber == true, "parted \(PartedLibrary.version)")
        }
    #endif

    #if DeviceMapper
        @Test func libdevmapper() {
            #expect(DeviceMapperLibrary.version.hasPrefix("1."), "devmapper \(DeviceMapperLibrary.version)")
        }
    #endif

    #if ISCSI
        @Test func libiscsi() {
            #expect(ISCSILibrary.apiVersion >= 20_150_621)
            #expect(ISCSILibrary.canCreateContext(initiator: "iqn.2026-11.org.virtstorage:smoke"))
        }
    #endif
}
