#if Ceph
    import Testing
    import VirtStorage

    @testable import VirtStorageRBD

    /// The monitors of an rbd pool as librados reads them (mon_host): no live
    /// cluster needed, the IPv6 forms are what matters.
    @Suite("rbd: the pool's hosts as librados' monitor list")
    struct RBDMonitorListTests {
        @Test func namesIPv4AndIPv6WithAndWithoutPorts() {
            let hosts = [
                SourceHost(name: "mon1.example.org"), SourceHost(name: "mon2.example.org", port: 6789),
                SourceHost(name: "192.0.2.7", port: 3300), SourceHost(name: "2001:db8::1", port: 6789),
                SourceHost(name: "[2001:db8::2]", port: 6790), SourceHost(name: "2001:db8::3"),
            ]
            #expect(
                RadosConnection.monitorList(hosts)
                    == "mon1.example.org,mon2.example.org:6789,192.0.2.7:3300,[2001:db8::1]:6789,[2001:db8::2]:6790,2001:db8::3"
            )
        }
    }
#endif
