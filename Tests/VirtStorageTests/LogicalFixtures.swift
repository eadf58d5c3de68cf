/// Recorded tool output for the logical backend's tests.
///
/// "Real" fixtures are the stdout (or stderr) of lvm2 2.03.16 and util-linux
/// 2.38.1 wipefs captured on this machine kind (Debian 12, no device-mapper)
/// on two 64 MiB loop devices, with LVM_SYSTEM_DIR pointing at an lvm.conf
/// holding `global { activation = 0 }` and a global_filter for the two loops:
///   pvcreate /dev/loop0 /dev/loop1; vgcreate vsexp /dev/loop0 /dev/loop1
///   lvcreate --name span -L 100M vsexp --yes      (after an LV of 20 MiB, later
///   lvcreate --name lv1 -L 8192K vsexp --yes       shrunk and recreated)
///   lvs --reportformat json --units b --nosuffix --options <LVMCommand.lvFields> vsexp
/// Fixtures marked "edited" or "synthetic" say what differs from a capture.
enum LogicalFixtures {
    /// Real: two LVs, "span" in two segments on both PVs; state column 'X'.
    static let lvsUnknownState = """
          {
              "report": [
                  {
                      "lv": [
                          {"lv_name":"lv1", "origin":"", "lv_uuid":"MO4oia-eWoo-4LBD-62fR-hfjI-CVgY-kbJSfw", "devices":"/dev/loop0(0)", "segtype":"linear", "stripes":"1", "seg_size":"8388608", "vg_extent_size":"4194304", "lv_size":"8388608", "lv_attr":"-wi-XX----"},
                          {"lv_name":"span", "origin":"", "lv_uuid":"IkC7gh-rzM4-ObWd-9ysI-yWBc-zoz7-6oQCgF", "devices":"/dev/loop1(0)", "segtype":"linear", "stripes":"1", "seg_size":"62914560", "vg_extent_size":"4194304", "lv_size":"104857600", "lv_attr":"-wi-XX----"},
                          {"lv_name":"span", "origin":"", "lv_uuid":"IkC7gh-rzM4-ObWd-9ysI-yWBc-zoz7-6oQCgF", "devices":"/dev/loop0(5)", "segtype":"linear", "stripes":"1", "seg_size":"41943040", "vg_extent_size":"4194304", "lv_size":"104857600", "lv_attr":"-wi-XX----"}
                      ]
                  }
              ]
          }

        """

    /// Edited: the capture above with the state and open columns of an active,
    /// closed LV ("-wi-a-----"), as lvm prints them once device-mapper has the LV.
    static let lvsActive = lvsUnknownState.replacingOccurrences(of: "-wi-XX----", with: "-wi-a-----")

    /// Edited: the same with inactive LVs ("-wi-------"), which libvirt skips.
    static let lvsInactive = lvsUnknownState.replacingOccurrences(of: "-wi-XX----", with: "-wi-------")

    /// Synthetic, in lvm2 2.03's JSON shape, with the attributes lvm prints for
    /// a thin pool (t), a thin volume (V), a --virtualsize snapshot whose
    /// origin is hidden ([..._vorigin]), a snapshot of an LV (s, origin base),
    /// its origin (o), an inactive LV, and a two-stripe LV (devices and sizes of
    /// libvirt's own lvs example in storage_backend_logical.c).
    static let lvsKinds = """
        {
          "report": [
            {
              "lv": [
                {"lv_name":"base", "origin":"", "lv_uuid":"aaaaaa-0000-0000-0000-0000-0000-000001", "devices":"/dev/sdc1(0)", "segtype":"linear", "stripes":"1", "seg_size":"1073741824", "vg_extent_size":"4194304", "lv_size":"1073741824", "lv_attr":"owi-a-s---"},
                {"lv_name":"snap", "origin":"base", "lv_uuid":"aaaaaa-0000-0000-0000-0000-0000-000002", "devices":"/dev/sdc1(256)", "segtype":"linear", "stripes":"1", "seg_size":"104857600", "vg_extent_size":"4194304", "lv_size":"1073741824", "lv_attr":"swi-a-s---"},
                {"lv_name":"sparse", "origin":"[sparse_vorigin]", "lv_uuid":"aaaaaa-0000-0000-0000-0000-0000-000003", "devices":"/dev/sdc1(281)", "segtype":"linear", "stripes":"1", "seg_size":"4194304", "vg_extent_size":"4194304", "lv_size":"21474836480", "lv_attr":"swi-a-s---"},
                {"lv_name":"pool0", "origin":"", "lv_uuid":"aaaaaa-0000-0000-0000-0000-0000-000004", "devices":"pool0_tdata(0)", "segtype":"thin-pool", "stripes":"1", "seg_size":"1073741824", "vg_extent_size":"4194304", "lv_size":"1073741824", "lv_attr":"twi-aotz--"},
                {"lv_name":"thin1", "origin":"", "lv_uuid":"aaaaaa-0000-0000-0000-0000-0000-000005", "devices":"", "segtype":"thin", "stripes":"0", "seg_size":"10737418240", "vg_extent_size":"4194304", "lv_size":"10737418240", "lv_attr":"Vwi-a-tz--"},
                {"lv_name":"off", "origin":"", "lv_uuid":"aaaaaa-0000-0000-0000-0000-0000-000006", "devices":"/dev/sdc1(282)", "segtype":"linear", "stripes":"1", "seg_size":"4194304", "vg_extent_size":"4194304", "lv_size":"4194304", "lv_attr":"-wi-------"},
                {"lv_name":"test_stripes", "origin":"", "lv_uuid":"fSLSZH-zAS2-yAIb-n4mV-Al9u-HA3V-oo9K1B", "devices":"/dev/sdc1(10240),/dev/sdd1(0)", "segtype":"striped", "stripes":"2", "seg_size":"42949672960", "vg_extent_size":"4194304", "lv_size":"42949672960", "lv_attr":"-wi-a-----"}
              ]
            }
          ]
        }
        """

    /// Real: `vgs --reportformat json --units b --nosuffix --options vg_name,vg_size,vg_free,vg_extent_size vsexp`.
    static let vgs = """
          {
              "report": [
                  {
                      "vg": [
                          {"vg_name":"vsexp", "vg_size":"125829120", "vg_free":"12582912", "vg_extent_size":"4194304"}
                      ]
                  }
              ]
          }

        """

    /// Real: `pvs --reportformat json --options pv_name,vg_name` with the VG.
    static let pvs = """
          {
              "report": [
                  {
                      "pv": [
                          {"pv_name":"/dev/loop0", "vg_name":"vsexp"},
                          {"pv_name":"/dev/loop1", "vg_name":"vsexp"}
                      ]
                  }
              ]
          }

        """

    /// Real: the same after `vgremove -f vsexp` (PVs in no VG).
    static let pvsOrphans = """
          {
              "report": [
                  {
                      "pv": [
                          {"pv_name":"/dev/loop0", "vg_name":""},
                          {"pv_name":"/dev/loop1", "vg_name":""}
                      ]
                  }
              ]
          }

        """

    /// Real: `wipefs --json` of a fresh device, of an ext4 one, of a PV.
    static let wipefsEmpty = """
        {
           "signatures": [

           ]
        }

        """
    static let wipefsExt4 = """
        {
           "signatures": [
              {
                 "device": "loop2",
                 "offset": "0x438",
                 "type": "ext4",
                 "uuid": "c534c1a6-6d7f-46a3-85b5-b913aa1d1ce8",
                 "label": null
              }
           ]
        }

        """
    static let wipefsPV = """
        {
           "signatures": [
              {
                 "device": "loop0",
                 "offset": "0x218",
                 "type": "LVM2_member",
                 "uuid": "lVxn1T-VpnX-axwY-Bk9s-n70X-oEbM-husuKi",
                 "label": null
              }
           ]
        }

        """

    /// Real stderr (status 5) of `vgcreate vsexp /dev/loop2` while vsexp exists.
    static let vgcreateExistsStderr = """
          WARNING: Activation disabled. No device-mapper interaction will be attempted.
          A volume group called vsexp already exists.

        """

    /// Real stderr (status 5) of lvcreate --type snapshot --virtualsize without device-mapper.
    static let lvcreateSnapshotStderr = """
          WARNING: Activation disabled. No device-mapper interaction will be attempted.
          Can't create snapshot without using device-mapper kernel driver.

        """

    /// Real stderr (status 5) of `lvremove -f /dev/vsexp/nothere`.
    static let lvremoveMissingStderr = """
          WARNING: Activation disabled. No device-mapper interaction will be attempted.
          Failed to find logical volume "vsexp/nothere"

        """

    /// Real: `lvs --reportformat json --units b --nosuffix --options <LVMCommand.thinFields> VG`
    /// of ``ThinLVMLayout`` restored into a VG by vgcfgrestore, with the
    /// linear LV "plain" beside it (lvm2 2.03.16, activation disabled: state
    /// 'X', no data usage).
    static let lvsThinLayout = """
          {
              "report": [
                  {
                      "lv": [
                          {"lv_name":"plain", "origin":"", "lv_uuid":"5nVmOE-BJpn-T9gF-9Dwx-3imm-TUD1-n5esdB", "devices":"/dev/loop1(0)", "segtype":"linear", "stripes":"1", "seg_size":"8388608", "vg_extent_size":"4194304", "lv_size":"8388608", "lv_attr":"-wi-XX----", "pool_lv":"", "data_percent":"", "lv_tags":"", "lv_time":"2026-12-06 15:03:16 +0000"},
                          {"lv_name":"snap_vm1_a2", "origin":"vm1", "lv_uuid":"DDDDDD-rzMz-zDh4-I9wF-YjEE-jjQF-zdXuf3", "devices":"", "segtype":"thin", "stripes":"0", "seg_size":"209715200", "vg_extent_size":"4194304", "lv_size":"209715200", "lv_attr":"Vri-XXtz-k", "pool_lv":"tpool", "data_percent":"", "lv_tags":"virtstorage-snapshot-of:vm1,virtstorage-snapshot:a2", "lv_time":"2026-12-06 14:55:20 +0000"},
                          {"lv_name":"snap_vm1_s1", "origin":"vm1", "lv_uuid":"CCCCCC-rzMz-zDh4-I9wF-YjEE-jjQF-zdXuf2", "devices":"", "segtype":"thin", "stripes":"0", "seg_size":"209715200", "vg_extent_size":"4194304", "lv_size":"209715200", "lv_attr":"Vri-XXtz-k", "pool_lv":"tpool", "data_percent":"", "lv_tags":"virtstorage-description:6265666f72652075706772616465,virtstorage-snapshot-of:vm1,virtstorage-snapshot:s1", "lv_time":"2026-12-06 14:55:10 +0000"},
                          {"lv_name":"tpool", "origin":"", "lv_uuid":"AAAAAA-rzMz-zDh4-I9wF-YjEE-jjQF-zdXuf0", "devices":"tpool_tdata(0)", "segtype":"thin-pool", "stripes":"1", "seg_size":"33554432", "vg_extent_size":"4194304", "lv_size":"33554432", "lv_attr":"twi-XXtz--", "pool_lv":"", "data_percent":"", "lv_tags":"", "lv_time":"2026-12-06 14:54:50 +0000"},
                          {"lv_name":"vm1", "origin":"", "lv_uuid":"BBBBBB-rzMz-zDh4-I9wF-YjEE-jjQF-zdXuf1", "devices":"", "segtype":"thin", "stripes":"0", "seg_size":"209715200", "vg_extent_size":"4194304", "lv_size":"209715200", "lv_attr":"Vwi-XXtz--", "pool_lv":"tpool", "data_percent":"", "lv_tags":"", "lv_time":"2026-12-06 14:55:00 +0000"}
                      ]
                  }
              ]
          }

        """

    /// Edited: the capture above as lvm prints an active pool: state 'a',
    /// and the data usage column of the thin pool and thin volumes.
    static let lvsThinLayoutActive = lvsThinLayout
        .replacingOccurrences(of: "-wi-XX----", with: "-wi-a-----")
        .replacingOccurrences(of: "Vri-XXtz-k", with: "Vri---tz-k")
        .replacingOccurrences(of: "twi-XXtz--", with: "twi-aotz--")
        .replacingOccurrences(of: "Vwi-XXtz--", with: "Vwi-a-tz--")
        .replacingOccurrences(
            of: "\"lv_attr\":\"twi-aotz--\", \"pool_lv\":\"\", \"data_percent\":\"\"",
            with: "\"lv_attr\":\"twi-aotz--\", \"pool_lv\":\"\", \"data_percent\":\"40.00\"")
        .replacingOccurrences(
            of: "\"lv_attr\":\"Vwi-a-tz--\", \"pool_lv\":\"tpool\", \"data_percent\":\"\"",
            with: "\"lv_attr\":\"Vwi-a-tz--\", \"pool_lv\":\"tpool\", \"data_percent\":\"12.50\"")
}
