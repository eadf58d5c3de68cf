import Foundation
import Testing
import VirtStorageTestSupport

@testable import VirtStorage

/// Backing chains of libvirt's test images (conformance virstoragetestdata).
@Suite("backing chains of libvirt's test images")
struct BackingChainTests {
    static let images = Corpus.url("virstoragetestdata/images").path

    @Test func threeLevelChainWithProbedBottom() throws {
        let chain = try BackingChain.walk(Self.images + "/qcow2_qcow2-qcow2_raw-auto.qcow2")
        #expect(chain.map(\.format) == ["qcow2", "qcow2", "raw"])
        #expect(chain.map(\.rawName) == [nil, "qcow2_raw-auto.qcow2", "raw"])
        #expect(chain[0].capacity == 1024 && chain[1].capacity == 1024)
        #expect(chain.last?.path == Self.images + "/raw")
    }

    @Test func relativeNamesAndSymlinksResolveFromTheReferringImage() throws {
        // As libvirt's test lays them out: the image in sub/, its "../raw" beside sub/,
        // and a symlink to the image elsewhere.
        let scratch = Scratch("reldir")
        let fm = FileManager.default
        try fm.createDirectory(atPath: scratch.sub("sub"), withIntermediateDirectories: true)
        try fm.copyItem(atPath: Self.images + "/qcow2_raw-raw-reldir.qcow2", toPath: scratch.sub("sub/top.qcow2"))
        try fm.copyItem(atPath: Self.images + "/raw", toPath: scratch.sub("raw"))
        try fm.createSymbolicLink(atPath: scratch.sub("sub/link"), withDestinationPath: "top.qcow2")
        for start in ["sub/top.qcow2", "sub/link"] {
            let chain = try BackingChain.walk(scratch.sub(start))
            #expect(chain.map(\.format) == ["qcow2", "raw"])
            #expect(chain[1].rawName == "../raw")
            #expect(chain[1].path == scratch.sub("sub/../raw"))
        }
    }

    @Test func qedChain() throws {
        let chain = try BackingChain.walk(Self.images + "/qed_raw-raw-relative")
        #expect(chain.map(\.format) == ["qed", "raw"])
        #expect(chain[0].capacity == 1024)
    }

    @Test func networkBackingEndsTheWalk() throws {
        let chain = try BackingChain.walk(Self.images + "/qcow2_nbd-raw.qcow2")
        #expect(chain.count == 1)
        #expect(chain[0].backingRawName == "nbd+tcp://example.org:6000/blah")
    }

    @Test("loops are detected, not followed", arguments: ["loop-self.qcow2", "loop-1.qcow2", "loop-2.qcow2"])
    func loops(image: String) {
        let error = #expect(throws: StorageError.self) { try BackingChain.walk(Self.images + "/" + image) }
        #expect(error?.message.contains("loop") == true)
    }

    @Test func missingBackingFileIsAClearError() {
        let error = #expect(throws: StorageError.self) {
            try BackingChain.walk(Self.images + "/qcow2_qcow2-missing.qcow2")
        }
        #expect(error?.message.contains("'bogus'") == true)
        #expect(error?.errno == ENOENT)
    }

    @Test func poolRefreshListsLoopedImagesWithoutHanging() async throws {
        let scratch = Scratch("chains")
        let host = try await StorageHost(directories: .root(scratch.sub("root")))
        try await host.create(
            xml: "<pool type='dir'><name>c</name><target><path>\(Self.images)</path></target></pool>")
        let volumes = try await host.volumes(in: "c")
        #expect(volumes.count >= 16)
        let loop = try await host.volume("loop-self.qcow2", in: "c")
        #expect(loop.definition.backingStore?.path == Self.images + "/loop-self.qcow2")
        try await host.destroy("c")
        withExtendedLifetime(scratch) {}
    }
}
