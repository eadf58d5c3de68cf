extension StorageHost {
    /// Finds the sources of pools of `type` (virsh find-storage-pool-sources):
    /// `spec` is a `<source>` document saying where to look, such as
    /// `<source><host name='nfs.example'/></source>`. Returns libvirt's `<sources>` XML.
    public func findPoolSources(type: PoolType, spec: String? = nil) async throws(StorageError) -> String {
        PoolSourceListXML.format(try await poolSources(type: type, spec: spec), type: type)
    }

    /// The sources ``findPoolSources(type:spec:)`` prints, as values.
    public func poolSources(type: PoolType, spec: String? = nil) async throws(StorageError) -> [PoolSource] {
        let backend = try backends.backend(for: type)
        guard backend.capabilities.contains(.findSources) else { throw backend.unsupported("pool source discovery") }
        let source = try spec.map { text throws(StorageError) in try PoolSourceListXML.parseSpec(text, type: type) }
        return try await backend.findSources(source)
    }
}
