env LC_ALL=C zfs get
