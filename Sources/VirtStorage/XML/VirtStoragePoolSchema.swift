/// VirtStorage's pool schema: libvirt's `storagepool.rng`, included from the
/// schema directory, and the pool types VirtStorage adds, each another choice
/// of libvirt's `pool` definition. libvirt's own documents validate against
/// it as against libvirt's; a document of an extension type validates only
/// against it.
public enum VirtStoragePoolSchema {
    public static let text = """
        <?xml version="1.0"?>
        <!-- VirtStorage's storage pool schema: libvirt's, and the pool types VirtStorage adds -->
        <grammar xmlns="http://relaxng.org/ns/structure/1.0"
            datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
          <include href="storagepool.rng"/>

          <define name="pool" combine="choice">
            <element name="pool">
              <ref name="poolbtrfs"/>
            </element>
          </define>

          <!-- A btrfs filesystem on a device, or a directory of a mounted one -->
          <define name="poolbtrfs">
            <attribute name="type">
              <value>btrfs</value>
            </attribute>
            <interleave>
              <ref name="commonmetadata"/>
              <ref name="sizing"/>
              <ref name="features"/>
              <optional>
                <element name="source">
                  <optional>
                    <ref name="sourceinfodev"/>
                  </optional>
                </element>
              </optional>
              <ref name="target"/>
            </interleave>
          </define>
        </grammar>

        """
}
