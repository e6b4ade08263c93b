/** A guest's disks: where they are (layout), what the host has there (facts), and the rules they must meet (rules). */
export * from "./facts";
export * from "./layout";
export * from "./marker";
export * from "./rules";
