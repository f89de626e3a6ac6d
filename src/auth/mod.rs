//! Authentication as OpenStack users know it: clouds.yaml / secure.yaml / `OS_*` (`clouds`)
//! and Keystone v3 with the service catalog (`keystone`). Written here, not borrowed from an
//! SDK, so the recorder sits under every request.

pub mod clouds;
pub mod keystone;
