/// virsh 9.0's options for each storage verb, in virsh's order (the option
/// tables of its tools/virsh-pool.c, virsh-volume.c and virsh-secret.c): the
/// order decides which option a word given by position fills.
enum VirshOptionTable {
    static let verbs: [String: [VirshOption]] = [
        "find-storage-pool-sources": [.data("type"), .string("srcSpec")],
        "find-storage-pool-sources-as": [.data("type"), .string("host"), .string("port"), .string("initiator")],
        "pool-autostart": [.data("pool"), .bool("disable")],
        "pool-build": [.data("pool"), .bool("no-overwrite"), .bool("overwrite")],
        "pool-capabilities": [],
        "pool-create": [.data("file"), .bool("build"), .bool("no-overwrite"), .bool("overwrite")],
        "pool-create-as": [
            .data("name"), .data("type"), .bool("print-xml"), .string("source-host"), .string("source-path"),
            .string("source-dev"), .string("source-name"), .string("target"), .string("source-format"),
            .string("auth-type"), .string("auth-username"), .string("secret-usage"), .string("secret-uuid"),
            .string("adapter-name"), .string("adapter-wwnn"), .string("adapter-wwpn"), .string("adapter-parent"),
            .string("adapter-parent-wwnn"), .string("adapter-parent-wwpn"), .string("adapter-parent-fabric-wwn"),
            .string("source-protocol-ver"), .string("source-initiator"), .bool("build"), .bool("no-overwrite"),
            .bool("overwrite"),
        ],
        "pool-define": [.data("file"), .bool("validate")],
        "pool-define-as": [
            .data("name"), .data("type"), .bool("print-xml"), .string("source-host"), .string("source-path"),
            .string("source-dev"), .string("source-name"), .string("target"), .string("source-format"),
            .string("auth-type"), .string("auth-username"), .string("secret-usage"), .string("secret-uuid"),
            .string("adapter-name"), .string("adapter-wwnn"), .string("adapter-wwpn"), .string("adapter-parent"),
            .string("adapter-parent-wwnn"), .string("adapter-parent-wwpn"), .string("adapter-parent-fabric-wwn"),
            .string("source-protocol-ver"), .string("source-initiator"),
        ],
        "pool-delete": [.data("pool")],
        "pool-destroy": [.data("pool")],
        "pool-dumpxml": [.data("pool"), .bool("inactive"), .string("xpath", namedOnly: true), .bool("wrap")],
        "pool-edit": [.data("pool")],
        "pool-event": [
            .string("pool"), .string("event"), .bool("loop"), .int("timeout"), .bool("list"), .bool("timestamp"),
        ],
        "pool-info": [.data("pool"), .bool("bytes")],
        "pool-list": [
            .bool("inactive"), .bool("all"), .bool("transient"), .bool("persistent"), .bool("autostart"),
            .bool("no-autostart"), .string("type"), .bool("details"), .bool("uuid"), .bool("name"),
        ],
        "pool-name": [.data("pool")],
        "pool-refresh": [.data("pool")],
        "pool-start": [.data("pool"), .bool("build"), .bool("no-overwrite"), .bool("overwrite")],
        "pool-undefine": [.data("pool")],
        "pool-uuid": [.data("pool")],
        "secret-define": [.data("file"), .bool("validate")],
        "secret-dumpxml": [.data("secret"), .string("xpath", namedOnly: true), .bool("wrap")],
        "secret-get-value": [.data("secret"), .bool("plain")],
        "secret-list": [.bool("ephemeral"), .bool("no-ephemeral"), .bool("private"), .bool("no-private")],
        "secret-set-value": [
            .data("secret"), .string("file", namedOnly: true), .bool("plain"), .bool("interactive"), .string("base64"),
        ],
        "secret-undefine": [.data("secret")],
        "vol-clone": [
            .data("vol"), .data("newname"), .string("pool"), .bool("prealloc-metadata"), .bool("reflink"),
            .bool("print-xml"),
        ],
        "vol-create": [.data("pool"), .data("file"), .bool("prealloc-metadata"), .bool("validate")],
        "vol-create-as": [
            .data("pool"), .data("name"), .data("capacity"), .string("allocation"), .string("format"),
            .string("backing-vol"), .string("backing-vol-format"), .bool("prealloc-metadata"), .bool("print-xml"),
        ],
        "vol-create-from": [
            .data("pool"), .data("file"), .data("vol"), .string("inputpool"), .bool("prealloc-metadata"),
            .bool("reflink"), .bool("validate"),
        ],
        "vol-delete": [.data("vol"), .string("pool"), .bool("delete-snapshots")],
        "vol-download": [
            .data("vol"), .data("file"), .string("pool"), .int("offset"), .int("length", wrapping: true),
            .bool("sparse"),
        ],
        "vol-dumpxml": [.data("vol"), .string("pool"), .string("xpath", namedOnly: true), .bool("wrap")],
        "vol-info": [.data("vol"), .string("pool"), .bool("bytes"), .bool("physical")],
        "vol-key": [.data("vol"), .string("pool")],
        "vol-list": [.data("pool"), .bool("details")],
        "vol-name": [.data("vol")],
        "vol-path": [.data("vol"), .string("pool")],
        "vol-pool": [.data("vol"), .bool("uuid")],
        "vol-resize": [
            .data("vol"), .data("capacity"), .string("pool"), .bool("allocate"), .bool("delta"), .bool("shrink"),
        ],
        "vol-upload": [
            .data("vol"), .data("file"), .string("pool"), .int("offset"), .int("length", wrapping: true),
            .bool("sparse"),
        ],
        "vol-wipe": [.data("vol"), .string("pool"), .string("algorithm")],
    ]
}
