-- A pending send is final; optionally compare-and-set the state too.
-- KEYS: state, send, pending. ARGV: send_id, expected_version ('' = no state), state
-- Returns {recorded 0|1, state_written 0|1, version}.
local recorded = 0
local status = redis.call('HGET', KEYS[2], 'status')
if status == 'scheduled' or status == 'dispatching' then
  close_send(KEYS[2], KEYS[3], ARGV[1])
  recorded = 1
end
local version = state_version(redis.call('GET', KEYS[1]))
if ARGV[2] == '' or version ~= tonumber(ARGV[2]) then return {recorded, 0, version} end
write_state(KEYS[1], version + 1, ARGV[3])
return {recorded, 1, version + 1}
