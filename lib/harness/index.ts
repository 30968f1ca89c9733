// The test harness: everything a graded test needs, from one import.
export { labTest, LabContext, targetRoot, POINTS_RE, type LabTestOptions } from './lab-test.ts';
export { LabFailure, scaled, seconds } from './failure.ts';
export { waitExpired, currentSlowness } from './budget.ts';
export { bothWaiting } from './stall.ts';
export { canObserve } from './observe.ts';
export { TcpClient } from './tcp-client.ts';
export { UdpClient } from './udp-client.ts';
export { Transcript, showLine, showBytes } from './transcript.ts';
export { chaosWrite, coalesce, randomSplit, prng, chaosSeed, piecesNote, writing, peerHasRead } from './chaos.ts';
export { startServer, runProgram, killGroup, livePidsInGroup, type ServerProcess, type RunResult } from './program.ts';
