print("virt-storage")
