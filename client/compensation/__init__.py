"""Client side of ecological compensation: agreement files, measured values, locating an agreement's channel."""
