export { createRedis, type Redis, type RedisClient, type RedisLogger, type RedisOptions } from "./redis.ts";
