//! Enrolment: the device proves it holds its key by signing the admin's one-time code, and
//! gets the token it syncs with. Over any transport, like the sync itself.

use super::http::{HttpMethod, Transport};
use super::protocol::{EnrollRequest, EnrollResponse, UserInfo};
use super::session::SyncAccount;
use crate::{Error, Result, Role, Store};

/// Enrols this device at `base` with `code`; the token is kept in the store. Returns the
/// account it now syncs as.
pub fn enroll(store: &Store, transport: &dyn Transport, base: &str, code: &str) -> Result<(SyncAccount, UserInfo)> {
    store.refuse_if_wiped()?;
    let code = code.trim();
    let body = EnrollRequest {
        code: code.to_owned(),
        device_id: store.identity().device_id,
        public_key: store.device_public_key(),
        signature: store.sign_with_device_key(code.as_bytes())?,
    };
    let anonymous = SyncAccount::new(base, "");
    let request = anonymous.request(HttpMethod::Post, "/v1/enroll", Vec::new()).json(&body);
    let response: EnrollResponse = transport.send(request).map_err(Error::Network)?.json()?;
    store.set_sync_account(&anonymous.base, &response.token)?;
    store.set_account_role(Role::parse(&response.user.role))?;
    Ok((SyncAccount::new(base, &response.token), response.user))
}
