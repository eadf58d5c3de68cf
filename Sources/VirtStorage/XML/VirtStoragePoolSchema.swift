/// VirtStorage's pool schema: libvirt's `storagepool.rng`, included from the
/// schema directory, and the pool types VirtStorage adds, each another choice
/// of libvirt's `pool` definition. libvirt's own documents validate against
/// it as against libvirt's; a document of an extension type validates only
/// against it, as does a logical pool that names a thin pool in
/// VirtStorage's namespace.
public enum VirtStoragePoolSchema {
    /// The namespace of VirtStorage's elements in libvirt's pool documents
    /// (a logical pool's `<vs:thinpool name='…'/>`).
    public static let namespaceURI = "urn:virtstorage:schemas:storagepool:1.0"
    /// The prefix VirtStorage writes for ``namespaceURI``.
    public static let namespacePrefix = "vs"
    /// The thin pool element's name as VirtStorage writes it.
    public static let thinPoolElement = namespacePrefix + ":thinpool"

    /// The root's declaration of the namespace, where a document has an element in it.
    public static func namespaceDeclaration(if used: Bool) -> (String, String?) {
        used ? ("xmlns:" + namespacePrefix, namespaceURI) : ("", nil)
    }

    public static let text = """
        <?xml version="1.0"?>
        <!-- VirtStorage's storage pool schema: libvirt's, and the pool types VirtStorage adds -->
        <grammar xmlns="http://relaxng.org/ns/structure/1.0"
            datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
          <include href="storagepool.rng"/>

          <define name="pool" combine="choice">
            <element name="pool">
              <choice>
                <ref name="poolbtrfs"/>
                <ref name="poollogicalthin"/>
              </choice>
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

          <!-- libvirt's logical pool, whose new volumes are thin volumes of a thin pool -->
          <define name="poollogicalthin">
            <attribute name="type">
              <value>logical</value>
            </attribute>
            <interleave>
              <ref name="commonMetadataNameOptional"/>
              <ref name="sizing"/>
              <ref name="features"/>
              <ref name="sourcelogical"/>
              <ref name="targetlogical"/>
              <element name="thinpool" ns="\(namespaceURI)">
                <attribute name="name">
                  <data type="string">
                    <param name="pattern">[a-zA-Z0-9+_.][a-zA-Z0-9+_.\\-]{0,126}</param>
                  </data>
                </attribute>
                <empty/>
              </element>
            </interleave>
          </define>
        </grammar>

        """
}
