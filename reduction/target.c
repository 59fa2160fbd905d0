/* placeholder until the module lands */ typedef int sf_placeholder_target;
