import * as core from '@actions/core';

core.setFailed('ipfs-pin: the action is not built yet');
