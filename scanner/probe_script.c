/* placeholder, replaced by the module's code */
typedef int fs_placeholder_unit;
