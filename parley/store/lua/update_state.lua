-- Compare-and-set the debtor's state alone.
-- KEYS: state. ARGV: expected_version, state. Returns {1, new_version} or {0, current_version}.
local version = state_version(redis.call('GET', KEYS[1]))
if version ~= tonumber(ARGV[1]) then return {0, version} end
write_state(KEYS[1], version + 1, ARGV[2])
return {1, version + 1}
