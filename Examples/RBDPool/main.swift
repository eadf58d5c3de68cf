// An rbd pool from XML whose cephx key comes from a secret, as an embedder
// would set it up: define the secret, give it the key, create the pool, make
// and list a volume, and clean up. Usage: RBDPool MONITOR:PORT KEYFILE [POOL]
// (KEYFILE holds the base64 key of client.admin, as `ceph auth get-key` prints).
import Foundation
import VirtStorage
import VirtStorageRBD

let arguments = CommandLine.arguments
guard arguments.count >= 3, let colon = arguments[1].lastIndex(of: ":") else {
    print("usage: RBDPool MONITOR:PORT KEYFILE [RADOS-POOL]")
    exit(2)
}
let monitor = String(arguments[1][..<colon])
let port = String(arguments[1][arguments[1].index(after: colon)...])
let radosPool = arguments.count > 3 ? arguments[3] : "rbd"
let scratch = NSTemporaryDirectory() + "virtstorage-rbd-example-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: scratch) }

do {
    // 1. The secret: libvirt's secret XML, then its value (the raw key bytes).
    let keyText = try String(contentsOfFile: arguments[2], encoding: .utf8)
    guard let key = Data(base64Encoded: keyText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        print("error: \(arguments[2]) does not hold a base64 cephx key")
        exit(1)
    }
    let secrets = InMemorySecretStore()
    let secret = try SecretXML.parse(
        "<secret ephemeral='no' private='yes'><usage type='ceph'><name>client.admin key</name></usage></secret>")
    try await secrets.define(secret)
    try await secrets.setValue(Array(key), for: secret.uuid)

    // 2. A host with the rbd backend (librados/librbd in this process) and the secrets.
    var backends = BackendRegistry.builtIn
    for backend in RBDBackends.all { backends.register(backend) }
    let host = try await StorageHost(directories: .root(scratch), backends: backends, secrets: secrets)

    // 3. The pool names the secret by usage; the key never appears in XML.
    let pool = try await host.create(
        xml: """
            <pool type='rbd'>
              <name>ceph</name>
              <source>
                <name>\(radosPool)</name>
                <host name='\(monitor)' port='\(port)'/>
                <auth type='ceph' username='admin'><secret usage='client.admin key'/></auth>
              </source>
            </pool>
            """)
    print("pool \(pool.name): \(pool.capacity) bytes, \(pool.available) available")

    // 4. A thin 64 MiB image, listed with its size, then removed.
    let name = "virtstorage-example-\(getpid())"
    let volume = try await host.createVolume(
        in: "ceph", xml: "<volume><name>\(name)</name><capacity unit='MiB'>64</capacity></volume>")
    print("created \(volume.path ?? name)")
    for v in try await host.volumes(in: "ceph") where v.name == name {
        print("  \(v.name): capacity \(v.definition.capacity), allocation \(v.definition.allocation)")
    }
    try await host.deleteVolume(name, in: "ceph")
    try await host.destroy("ceph")
    print("deleted \(name) and stopped the pool")
} catch {
    print("error: \(error)")
    exit(1)
}
