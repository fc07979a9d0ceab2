// ResolveIdentity: `user` and `group` of an exec job, by name or id, against the system's
// user database (compared with what getpwnam/getgrnam say, not with hard-coded ids).
#include "thr/identity.h"

#include <doctest/doctest.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace thr {
namespace {

// Every Debian system has these; a test that needs them fails loudly if they are missing.
struct Nobody {
  Nobody() {
    const passwd* pw = ::getpwnam("nobody");
    REQUIRE(pw != nullptr);
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  uid_t uid = 0;
  gid_t gid = 0;
};

bool Has(const std::vector<gid_t>& groups, gid_t gid) {
  return std::find(groups.begin(), groups.end(), gid) != groups.end();
}

// A uid (or gid) that no entry of the database has, for the "numeric without entry" cases.
unsigned UnusedUid() {
  for (unsigned id = 54321; id < 54421; ++id) {
    if (::getpwuid(id) == nullptr) return id;
  }
  FAIL("no unused uid between 54321 and 54420");
  return 0;
}

TEST_CASE("Identity: a user name gives that user's uid, gid and groups") {
  Nobody nobody;
  Identity id;
  REQUIRE(ResolveIdentity("nobody", "", &id).ok());
  CHECK(id.uid == nobody.uid);
  CHECK(id.gid == nobody.gid);
  // getgrouplist always includes the user's own group.
  CHECK(Has(id.groups, nobody.gid));

  SUBCASE("root's groups are root's, not the caller's leftovers") {
    Identity root;
    REQUIRE(ResolveIdentity("root", "", &root).ok());
    CHECK(root.uid == 0);
    CHECK(root.gid == 0);
    CHECK(Has(root.groups, 0));
  }
}

TEST_CASE("Identity: a numeric user is a uid, with its entry's gid when it has one") {
  Nobody nobody;
  Identity id;
  REQUIRE(ResolveIdentity(std::to_string(nobody.uid), "", &id).ok());
  CHECK(id.uid == nobody.uid);
  CHECK(id.gid == nobody.gid);
  CHECK(Has(id.groups, nobody.gid));

  SUBCASE("a uid without an entry is allowed, as in containers: gid = uid, no groups") {
    unsigned unused = UnusedUid();
    Identity bare;
    REQUIRE(ResolveIdentity(std::to_string(unused), "", &bare).ok());
    CHECK(bare.uid == unused);
    CHECK(bare.gid == unused);
    CHECK(bare.groups.empty());
  }
}

TEST_CASE("Identity: an empty user keeps the caller's identity") {
  Identity id;
  REQUIRE(ResolveIdentity("", "", &id).ok());
  CHECK(id.uid == ::getuid());
  CHECK(id.gid == ::getgid());
}

TEST_CASE("Identity: an unknown user or group is an error naming it") {
  Identity id;
  SUBCASE("user") {
    Status s = ResolveIdentity("thr-no-such-user", "", &id);
    CHECK(s.code() == Status::Code::kInvalidConfig);
    CHECK(s.message() == "unknown user \"thr-no-such-user\"");
  }
  SUBCASE("group") {
    Status s = ResolveIdentity("nobody", "thr-no-such-group", &id);
    CHECK(s.code() == Status::Code::kInvalidConfig);
    CHECK(s.message() == "unknown group \"thr-no-such-group\"");
  }
  SUBCASE("group without a user") {
    Status s = ResolveIdentity("", "thr-no-such-group", &id);
    CHECK(s.message() == "unknown group \"thr-no-such-group\"");
  }
  SUBCASE("a name that is a number followed by letters is a name") {
    Status s = ResolveIdentity("65534x", "", &id);
    CHECK(s.message() == "unknown user \"65534x\"");
  }
  SUBCASE("out is untouched on error") {
    id.uid = 4242;
    CHECK_FALSE(ResolveIdentity("thr-no-such-user", "", &id).ok());
    CHECK(id.uid == 4242);
  }
}

TEST_CASE("Identity: a group by name or by id replaces the user's gid") {
  Nobody nobody;
  const group* root_group = ::getgrgid(0);
  REQUIRE(root_group != nullptr);
  const std::string root_name = root_group->gr_name;
  REQUIRE(nobody.gid != 0);  // else the checks below could not tell the groups apart
  Identity id;

  SUBCASE("by name") {
    REQUIRE(ResolveIdentity("nobody", root_name, &id).ok());
    CHECK(id.uid == nobody.uid);
    CHECK(id.gid == 0);
  }
  SUBCASE("by id") {
    REQUIRE(ResolveIdentity("nobody", "0", &id).ok());
    CHECK(id.uid == nobody.uid);
    CHECK(id.gid == 0);
  }
  SUBCASE("by a name that is another user's group") {
    const group* nobody_group = ::getgrgid(nobody.gid);
    REQUIRE(nobody_group != nullptr);
    const std::string name = nobody_group->gr_name;
    REQUIRE(ResolveIdentity("root", name, &id).ok());
    CHECK(id.uid == 0);
    CHECK(id.gid == nobody.gid);
  }
  SUBCASE("without a user: the caller's uid with that group") {
    REQUIRE(ResolveIdentity("", std::to_string(nobody.gid), &id).ok());
    CHECK(id.uid == ::getuid());
    CHECK(id.gid == nobody.gid);
  }
}

}  // namespace
}  // namespace thr
