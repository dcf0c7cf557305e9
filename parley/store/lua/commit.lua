-- Commit one processed event on the debtor slot, if the state version still holds.
-- KEYS: state, evt marker, pending, done, send keys to schedule (n_schedule), send keys to cancel (n_cancel)
-- ARGV: expected_version, state, replay, evt_ttl_ms, finished_ttl_ms, n_schedule, n_cancel, cancelled code,
--       then n_schedule x (send_id, fingerprint, partition, due_ms, payload),
--       then n_cancel x (send_id, fingerprint)
-- Returns {1, new_version, {cancelled send ids}} or {0, current_version, {}}.
local version = state_version(redis.call('GET', KEYS[1]))
if version ~= tonumber(ARGV[1]) then return {0, version, {}} end
version = version + 1
write_state(KEYS[1], version, ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])

local finished_ttl_ms = ARGV[5]
local n_schedule = tonumber(ARGV[6])
local n_cancel = tonumber(ARGV[7])
local cancelled_code = ARGV[8]
local a = 9
for i = 1, n_schedule do
  local key = KEYS[4 + i]
  -- Deterministic send ids: a pending record, or a finished one in the done hash, means this send
  -- was already planned.
  if redis.call('EXISTS', key) == 0 and redis.call('HEXISTS', KEYS[4], ARGV[a + 1]) == 0 then
    redis.call('HSET', key, 'status', 'scheduled', 'partition', ARGV[a + 2], 'due_ms', ARGV[a + 3],
      'attempts', '0', 'payload', ARGV[a + 4])
    redis.call('HSET', KEYS[3], ARGV[a], ARGV[a + 3])
  end
  a = a + 5
end

local cancelled = {}
for i = 1, n_cancel do
  local key = KEYS[4 + n_schedule + i]
  if redis.call('HGET', key, 'status') == 'scheduled' then
    close_send(key, KEYS[4], ARGV[a + 1], cancelled_code, finished_ttl_ms)
    redis.call('HDEL', KEYS[3], ARGV[a])
    cancelled[#cancelled + 1] = ARGV[a]
  end
  a = a + 2
end
return {1, version, cancelled}
