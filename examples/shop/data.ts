// The shop's demo data: three users, their carts and orders. Orders are kept in the process
// (they reset on restart); sessions are what the chosen store keeps.

export type Role = "customer" | "admin";

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
}

export interface CartItem {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  /** In cents. */
  readonly price: number;
}

export interface Order {
  readonly id: string;
  readonly userId: string;
  readonly item: string;
  status: "active" | "cancelled";
}

/** The demo accounts and their passwords, as the README lists them. Hashed when the shop starts. */
export const ACCOUNTS: readonly (User & { readonly password: string })[] = [
  {
    id: "alice",
    email: "alice@shop.test",
    name: "Alice",
    role: "customer",
    password: "alice-password",
  },
  { id: "bob", email: "bob@shop.test", name: "Bob", role: "customer", password: "bob-password" },
  {
    id: "admin",
    email: "admin@shop.test",
    name: "Admin",
    role: "admin",
    password: "admin-password",
  },
];

const CARTS: Readonly<Record<string, readonly CartItem[]>> = {
  alice: [
    { sku: "ESP-01", name: "Espresso machine", quantity: 1, price: 24_900 },
    { sku: "BEAN-1K", name: "Coffee beans, 1 kg", quantity: 2, price: 1_850 },
  ],
  bob: [{ sku: "MUG-02", name: "Two mugs", quantity: 1, price: 1_200 }],
  admin: [],
};

/** A user's cart (a copy). */
export function cartOf(userId: string): CartItem[] {
  return [...(CARTS[userId] ?? [])];
}

/** A fresh set of orders: 842 and 843 are Alice's, 901 is Bob's. */
export function demoOrders(): Map<string, Order> {
  const orders: Order[] = [
    { id: "842", userId: "alice", item: "Espresso machine", status: "active" },
    { id: "843", userId: "alice", item: "Coffee beans, 1 kg", status: "active" },
    { id: "901", userId: "bob", item: "Two mugs", status: "active" },
  ];
  return new Map(orders.map((o) => [o.id, o]));
}

/** A price in cents as euros. */
export function euros(cents: number): string {
  return `€${(cents / 100).toFixed(2)}`;
}
