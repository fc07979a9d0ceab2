#include "thr/identity.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace thr {
namespace {

bool ParseId(const std::string& text, unsigned* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  // (uid_t)-1 means "no change" to setuid/setgid: never a real id.
  return ec == std::errc() && ptr == text.data() + text.size() && *out != static_cast<unsigned>(-1);
}

}  // namespace

Status ResolveIdentity(const std::string& user, const std::string& group, Identity* out) {
  Identity id{::getuid(), ::getgid(), {}, "", ""};
  std::vector<char> buf(16384);
  if (!user.empty()) {
    passwd pw{}, *found = nullptr;
    unsigned numeric = 0;
    int err = ParseId(user, &numeric)
                  ? getpwuid_r(numeric, &pw, buf.data(), buf.size(), &found)
                  : getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
    if (found != nullptr) {
      id.uid = pw.pw_uid;
      id.gid = pw.pw_gid;
      id.name = pw.pw_name;
      id.home = pw.pw_dir;
      int count = 64;
      id.groups.resize(static_cast<size_t>(count));
      if (getgrouplist(pw.pw_name, pw.pw_gid, id.groups.data(), &count) < 0) {
        id.groups.resize(static_cast<size_t>(count));
        getgrouplist(pw.pw_name, pw.pw_gid, id.groups.data(), &count);
      }
      id.groups.resize(static_cast<size_t>(count));
    } else if (ParseId(user, &numeric) && err == 0) {
      // A uid with no entry is allowed (containers often have none): no supplementary groups.
      id.uid = numeric;
      id.gid = numeric;
    } else {
      return Status::InvalidConfig("unknown user \"" + user + "\"");
    }
  }
  if (!group.empty()) {
    ::group gr{}, *found = nullptr;
    unsigned numeric = 0;
    if (ParseId(group, &numeric)) {
      id.gid = numeric;
    } else if (getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &found) == 0 &&
               found != nullptr) {
      id.gid = gr.gr_gid;
    } else {
      return Status::InvalidConfig("unknown group \"" + group + "\"");
    }
  }
  *out = std::move(id);
  return Status::Ok();
}

}  // namespace thr
