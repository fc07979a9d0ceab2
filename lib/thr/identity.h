// Who an exec run runs as: `user` and `group` (names or numeric ids) resolved through the
// system's user database. Shared by the config check and by each spawn, which looks again so
// a user deleted since the config was loaded makes that run fail with the reason.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "thr/status.h"

namespace thr {

struct Identity {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, from the user's entry
  std::string name;           // from the user's entry; empty without one
  std::string home;           // likewise
};

// `user` empty: keep thrd's own identity (then `group`, if given, changes only the group).
// Errors: InvalidConfig("unknown user \"bob\"") and the like.
Status ResolveIdentity(const std::string& user, const std::string& group, Identity* out);

}  // namespace thr
