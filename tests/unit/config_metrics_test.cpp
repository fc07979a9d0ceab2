// The metrics keys of the config (config_metrics.cpp): defaults, what is accepted, and
// messages that name the key.
#include <doctest/doctest.h>

#include <string>

#include "test_util.h"
#include "thr/config.h"

namespace thr {
namespace {

Config Ok(const std::string& keys) {
  Config config;
  Status s = ParseConfig(R"({"jobs": [], )" + keys + "}", "t.json", &config);
  INFO("keys: ", keys);
  INFO("status: ", s.ToString());
  REQUIRE(s.ok());
  return config;
}

std::string Fails(const std::string& keys) {
  Config config;
  Status s = ParseConfig(R"({"jobs": [], )" + keys + "}", "t.json", &config);
  INFO("keys: ", keys);
  CHECK(s.code() == Status::Code::kInvalidConfig);
  CHECK(s.message().rfind("config t.json: key \"metrics_", 0) == 0);
  return s.message();
}

TEST_CASE("Config: the metrics keys are off by default, metrics_every 15s") {
  Config config;
  REQUIRE(ParseConfig(R"({"jobs": []})", "t.json", &config).ok());
  CHECK(config.metrics_listen.empty());
  CHECK(config.metrics_file.empty());
  CHECK(config.metrics_every == Duration(15'000));
}

TEST_CASE("Config: metrics_listen is an IP literal and a port") {
  for (const char* good : {"127.0.0.1:9464", "0.0.0.0:1", "[::1]:9464", "[::]:65535"}) {
    CAPTURE(good);
    CHECK(Ok(std::string(R"("metrics_listen": ")") + good + "\"").metrics_listen == good);
  }
  for (const char* bad : {R"("localhost:9464")", R"("127.0.0.1")", R"("127.0.0.1:0")",
                          R"("127.0.0.1:65536")", R"("127.0.0.1:94x")", R"(":9464")",
                          R"("::1:9464")", R"("[::1]:")", R"("[]:80")", "9464", R"("")"}) {
    CAPTURE(bad);
    const std::string message = Fails(std::string(R"("metrics_listen": )") + bad);
    CHECK(message.find("expected \"ADDRESS:PORT\"") != std::string::npos);
  }
}

TEST_CASE("Config: metrics_file is an absolute path in an existing directory") {
  test::TempDir dir;
  const std::string path = dir.File("thrd.prom");
  CHECK(Ok(R"("metrics_file": ")" + path + "\"").metrics_file == path);
  CHECK(Fails(R"("metrics_file": "thrd.prom")").find("expected an absolute file path") !=
        std::string::npos);
  CHECK(Fails(R"("metrics_file": ")" + dir.path() + "/\"").find("absolute file path") !=
        std::string::npos);
  const std::string missing = Fails(R"("metrics_file": ")" + dir.File("no/thrd.prom") + "\"");
  CHECK(missing.find("directory " + dir.File("no") + ": No such file or directory") !=
        std::string::npos);
  CHECK(Fails(R"("metrics_file": 3)").find("expected an absolute file path") != std::string::npos);
}

TEST_CASE("Config: metrics_every is a duration of at least 1s") {
  CHECK(Ok(R"("metrics_every": "1m")").metrics_every == Duration(60'000));
  CHECK(Ok(R"("metrics_every": 1)").metrics_every == Duration(1000));
  CHECK(Fails(R"("metrics_every": "500ms")")
            .find("key \"metrics_every\": 500ms is below the minimum of 1s") != std::string::npos);
  CHECK(Fails(R"("metrics_every": "soon")").find("key \"metrics_every\": ") != std::string::npos);
}

TEST_CASE("Config: a misspelt metrics key gets a suggestion") {
  Config config;
  Status s = ParseConfig(R"({"jobs": [], "metrics_lisen": "127.0.0.1:9464"})", "t.json", &config);
  CHECK(s.message().find("did you mean \"metrics_listen\"") != std::string::npos);
}

}  // namespace
}  // namespace thr
