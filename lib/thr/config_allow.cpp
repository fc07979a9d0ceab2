// The config's `allow` key: who besides root and thrd's own user may read or control thrd.
// Users and groups are resolved to ids here, at load, so that --check catches a typo and
// a reload picks up accounts made since (lib/thr/access.h applies them).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "thr/config.h"
#include "thr/config_internal.h"
#include "thr/identity.h"

namespace thr::config_internal {

using nlohmann::json;

namespace {

constexpr std::string_view kClasses[] = {"control", "read"};
constexpr std::string_view kListKeys[] = {"users", "groups"};

// Each member of `v` (key `where`, e.g. "allow.control.users") resolved to an id.
Status ParseIds(const json& v, const std::string& where, bool users,
                std::vector<std::string>* names, std::vector<unsigned>* ids) {
  const char* what = users ? "user names or uids" : "group names or gids";
  if (!v.is_array()) {
    return Status::InvalidConfig("key \"" + where + "\": expected an array of " + what + ", got " +
                                 v.type_name());
  }
  for (size_t i = 0; i < v.size(); ++i) {
    std::string key = where + "[" + std::to_string(i) + "]";
    std::string name;
    Identity identity;
    Status s = NameOrId(v[i], &name);
    if (s.ok())
      s = users ? ResolveIdentity(name, "", &identity) : ResolveIdentity("", name, &identity);
    if (!s.ok()) return Status::InvalidConfig("key \"" + key + "\": " + s.message());
    names->push_back(name);
    ids->push_back(users ? identity.uid : identity.gid);
  }
  return Status::Ok();
}

Status ParseList(const json& v, const std::string& where, AllowList* list) {
  if (!v.is_object()) {
    return Status::InvalidConfig("key \"" + where +
                                 "\": expected an object with \"users\" and/or \"groups\", got " +
                                 v.type_name());
  }
  for (const auto& [key, value] : v.items()) {
    if (std::find(std::begin(kListKeys), std::end(kListKeys), key) == std::end(kListKeys)) {
      return Status::InvalidConfig("key \"" + where + "\": " + UnknownKey(key, kListKeys));
    }
  }
  std::vector<unsigned> uids, gids;
  if (auto it = v.find("users"); it != v.end()) {
    if (Status s = ParseIds(*it, where + ".users", true, &list->users, &uids); !s.ok()) return s;
  }
  if (auto it = v.find("groups"); it != v.end()) {
    if (Status s = ParseIds(*it, where + ".groups", false, &list->groups, &gids); !s.ok()) return s;
  }
  list->uids.assign(uids.begin(), uids.end());
  list->gids.assign(gids.begin(), gids.end());
  return Status::Ok();
}

}  // namespace

Status ParseAllow(const json& v, Allow* out) {
  if (!v.is_object()) {
    return Status::InvalidConfig(
        "key \"allow\": expected an object such as {\"control\": {\"users\": [...], \"groups\": "
        "[...]}, \"read\": {...}}, got " +
        std::string(v.type_name()));
  }
  for (const auto& [key, value] : v.items()) {
    if (std::find(std::begin(kClasses), std::end(kClasses), key) == std::end(kClasses)) {
      return Status::InvalidConfig("key \"allow\": " + UnknownKey(key, kClasses));
    }
  }
  Allow allow;
  if (auto it = v.find("control"); it != v.end()) {
    if (Status s = ParseList(*it, "allow.control", &allow.control); !s.ok()) return s;
  }
  if (auto it = v.find("read"); it != v.end()) {
    if (Status s = ParseList(*it, "allow.read", &allow.read); !s.ok()) return s;
  }
  *out = std::move(allow);
  return Status::Ok();
}

}  // namespace thr::config_internal
